using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VoiceProxy.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeyedAuditAndReasonCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ReasonCodes",
                table: "calls",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "KeyId",
                table: "audit_seals",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Blocked calls recorded before this migration: their distinct reason codes, in the decision's order.
            migrationBuilder.Sql("""
                UPDATE calls SET ReasonCodes = (
                    SELECT group_concat(code, ' ') FROM (
                        SELECT json_extract(value, '$.code') AS code, MIN(CAST(key AS INTEGER)) AS first
                        FROM json_each(calls.DecisionJson, '$.reasons') GROUP BY code ORDER BY first))
                WHERE Allowed = 0;
                """);

            // Defence in depth below the application (whoever can write the file can drop these; the audit key is what
            // detects that): sealed audit events and seal records can be neither changed nor deleted, and an unsealed
            // event may only have its chain columns set.
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only: delete refused'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_events_seal_once BEFORE UPDATE ON audit_events
                WHEN OLD.Position IS NOT NULL OR NEW.Id IS NOT OLD.Id OR NEW.At IS NOT OLD.At OR NEW.Type IS NOT OLD.Type
                    OR NEW.Actor IS NOT OLD.Actor OR NEW.Seller IS NOT OLD.Seller OR NEW.Subject IS NOT OLD.Subject
                    OR NEW.PayloadJson IS NOT OLD.PayloadJson
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only: only an unsealed event may be sealed'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
                BEGIN SELECT RAISE(ABORT, 'audit seals are append-only: update refused'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
                BEGIN SELECT RAISE(ABORT, 'audit seals are append-only: delete refused'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_events_no_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_events_seal_once;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_seals_no_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_seals_no_delete;");

            migrationBuilder.DropColumn(
                name: "ReasonCodes",
                table: "calls");

            migrationBuilder.DropColumn(
                name: "KeyId",
                table: "audit_seals");
        }
    }
}
