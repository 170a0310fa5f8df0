using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Smackdab.Inventory.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddApiRequestRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "api_request_rollups",
                columns: table => new
                {
                    organization_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    minute = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    route = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    method = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status_code = table.Column<int>(type: "integer", nullable: false),
                    error_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    request_count = table.Column<long>(type: "bigint", nullable: false),
                    duration_ms_sum = table.Column<double>(type: "double precision", nullable: false),
                    duration_ms_max = table.Column<double>(type: "double precision", nullable: false),
                    latency_buckets = table.Column<long[]>(type: "bigint[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_request_rollups", x => new { x.organization_id, x.minute, x.route, x.method, x.status_code, x.error_code });
                });

            migrationBuilder.CreateIndex(
                name: "ix_api_request_rollups_minute",
                table: "api_request_rollups",
                column: "minute");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_request_rollups");
        }
    }
}
