using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VoiceProxy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Type = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Actor = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Seller = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Subject = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    PayloadJson = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false),
                    PreviousHash = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Hash = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "calls",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Seller = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    To = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    From = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Purpose = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Template = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Language = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    VariablesJson = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false),
                    CustomerState = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    CustomerTimeZone = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Allowed = table.Column<bool>(type: "boolean", nullable: false),
                    DecisionJson = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false),
                    IdempotencyKey = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    RequestHash = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Status = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    AnsweredBy = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    DurationSeconds = table.Column<int>(type: "integer", nullable: true),
                    TwilioCallSid = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    OptedOut = table.Column<bool>(type: "boolean", nullable: false),
                    LastSequenceNumber = table.Column<int>(type: "integer", nullable: false),
                    RequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_calls", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "consent_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Seller = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Phone = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Scope = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Kind = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    EffectiveAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RecordedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Source = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Channel = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    Note = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    EvidenceJson = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: true),
                    RecordedBy = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_consent_entries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "dnc_entries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Seller = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Phone = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Action = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Reason = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RecordedBy = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dnc_entries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "call_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CallId = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Type = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    DetailJson = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false),
                    DedupKey = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_call_events", x => x.Id);
                    table.ForeignKey(
                        name: "FK_call_events_calls_CallId",
                        column: x => x.CallId,
                        principalTable: "calls",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_At",
                table: "audit_events",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_call_events_CallId_DedupKey",
                table: "call_events",
                columns: new[] { "CallId", "DedupKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_calls_RequestedAt",
                table: "calls",
                column: "RequestedAt");

            migrationBuilder.CreateIndex(
                name: "IX_calls_Seller_IdempotencyKey",
                table: "calls",
                columns: new[] { "Seller", "IdempotencyKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_calls_Seller_To_RequestedAt",
                table: "calls",
                columns: new[] { "Seller", "To", "RequestedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_calls_TwilioCallSid",
                table: "calls",
                column: "TwilioCallSid");

            migrationBuilder.CreateIndex(
                name: "IX_consent_entries_Seller_Phone",
                table: "consent_entries",
                columns: new[] { "Seller", "Phone" });

            migrationBuilder.CreateIndex(
                name: "IX_dnc_entries_Seller_Phone",
                table: "dnc_entries",
                columns: new[] { "Seller", "Phone" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "call_events");

            migrationBuilder.DropTable(
                name: "consent_entries");

            migrationBuilder.DropTable(
                name: "dnc_entries");

            migrationBuilder.DropTable(
                name: "calls");
        }
    }
}
