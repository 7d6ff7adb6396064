using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations
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
                type: "INTEGER",
                nullable: true);

            // Events chained before this version were chained in id order, from id 1 up: that is their chain position.
            migrationBuilder.Sql("UPDATE audit_events SET \"Position\" = \"Id\" WHERE \"Hash\" IS NOT NULL;");

            migrationBuilder.CreateTable(
                name: "audit_seals",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstPosition = table.Column<long>(type: "INTEGER", nullable: false),
                    LastPosition = table.Column<long>(type: "INTEGER", nullable: false),
                    HeadHash = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false)
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
