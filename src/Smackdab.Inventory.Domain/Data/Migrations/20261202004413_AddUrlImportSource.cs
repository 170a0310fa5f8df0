using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Smackdab.Inventory.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddUrlImportSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "data_url",
                table: "import_jobs",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "source_credentials",
                table: "import_jobs",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_system",
                table: "import_jobs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "data_url",
                table: "import_jobs");

            migrationBuilder.DropColumn(
                name: "source_credentials",
                table: "import_jobs");

            migrationBuilder.DropColumn(
                name: "source_system",
                table: "import_jobs");
        }
    }
}
