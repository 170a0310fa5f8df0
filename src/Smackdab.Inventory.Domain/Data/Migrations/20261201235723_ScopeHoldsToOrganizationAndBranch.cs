using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Smackdab.Inventory.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class ScopeHoldsToOrganizationAndBranch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_inventory_holds",
                table: "inventory_holds");

            migrationBuilder.DropIndex(
                name: "ix_inventory_holds_organization_id",
                table: "inventory_holds");

            migrationBuilder.AddColumn<string>(
                name: "branch_id",
                table: "inventory_holds",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "pk_inventory_holds",
                table: "inventory_holds",
                columns: new[] { "organization_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_inventory_holds",
                table: "inventory_holds");

            migrationBuilder.DropColumn(
                name: "branch_id",
                table: "inventory_holds");

            migrationBuilder.AddPrimaryKey(
                name: "pk_inventory_holds",
                table: "inventory_holds",
                column: "id");

            migrationBuilder.CreateIndex(
                name: "ix_inventory_holds_organization_id",
                table: "inventory_holds",
                column: "organization_id");
        }
    }
}
