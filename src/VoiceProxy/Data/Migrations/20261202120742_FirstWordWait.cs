using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations
{
    /// <inheritdoc />
    public partial class FirstWordWait : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "AnsweredAtUnixMs",
                table: "calls",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "FirstWordAtUnixMs",
                table: "calls",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AnsweredAtUnixMs",
                table: "calls");

            migrationBuilder.DropColumn(
                name: "FirstWordAtUnixMs",
                table: "calls");
        }
    }
}
