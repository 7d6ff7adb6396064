using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VoiceProxy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SequencedAuditChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Position",
                table: "audit_events",
                type: "bigint",
                nullable: true);

            // Events chained before this version were chained in id order, from id 1 up: that is their chain position.
            migrationBuilder.Sql("UPDATE audit_events SET \"Position\" = \"Id\" WHERE \"Hash\" IS NOT NULL;");
            // Events were numbered by hand under the old chain lock; from now on the identity sequence numbers them, so it must
            // continue after the last id.
            migrationBuilder.Sql(
                "SELECT setval(pg_get_serial_sequence('audit_events', 'Id'), COALESCE((SELECT MAX(\"Id\") FROM audit_events), 0) + 1, false);");

            migrationBuilder.CreateTable(
                name: "audit_seals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FirstPosition = table.Column<long>(type: "bigint", nullable: false),
                    LastPosition = table.Column<long>(type: "bigint", nullable: false),
                    HeadHash = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_seals", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Position",
                table: "audit_events",
                column: "Position",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_unsealed",
                table: "audit_events",
                column: "Id",
                filter: "\"Position\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_audit_seals_LastPosition",
                table: "audit_seals",
                column: "LastPosition",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_seals");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_Position",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "IX_audit_events_unsealed",
                table: "audit_events");

            migrationBuilder.DropColumn(
                name: "Position",
                table: "audit_events");
        }
    }
}
