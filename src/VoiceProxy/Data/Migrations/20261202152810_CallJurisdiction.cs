using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations
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
                type: "TEXT",
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
