using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PersonalData : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Personal data now lives in personal_data, referred to from the events. Events written before this migration
            // keep their clear data: sealed events cannot be rewritten without breaking the chain. Erasure and retention
            // still clear the calls, consent and do-not-call rows they refer to.
            migrationBuilder.CreateTable(
                name: "personal_data",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    Person = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Salt = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Json = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_personal_data", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_dnc_entries_At",
                table: "dnc_entries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_consent_entries_RecordedAt",
                table: "consent_entries",
                column: "RecordedAt");

            migrationBuilder.CreateIndex(
                name: "IX_personal_data_At",
                table: "personal_data",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_personal_data_Person",
                table: "personal_data",
                column: "Person");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "personal_data");

            migrationBuilder.DropIndex(
                name: "IX_dnc_entries_At",
                table: "dnc_entries");

            migrationBuilder.DropIndex(
                name: "IX_consent_entries_RecordedAt",
                table: "consent_entries");
        }
    }
}
