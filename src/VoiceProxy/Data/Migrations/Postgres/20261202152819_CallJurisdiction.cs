using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CallJurisdiction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Jurisdiction",
                table: "calls",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Jurisdiction",
                table: "calls");
        }
    }
}
