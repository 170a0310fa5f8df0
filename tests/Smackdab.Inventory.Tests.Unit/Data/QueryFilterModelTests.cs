using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.ApiKeys;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.Products;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Data;

/// <summary>
/// The EF model's global query filters (issue 8, build item 2 and row 14): named, and present on every tenant-owned entity.
/// Builds the real model; no database is needed.
/// </summary>
public sealed class QueryFilterModelTests
{
    private static readonly IModel Model = BuildModel();

    public static TheoryData<string> EntityTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in Model.GetEntityTypes().Where(t => !t.IsOwned()))
        {
            data.Add(type.ClrType.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EntityTypes))]
    public void Every_entity_with_an_organization_id_has_the_tenant_filter_or_says_why_not(string entityName)
    {
        var entity = Entity(entityName);
        if (entity.FindProperty(nameof(ITenantOwned.OrganizationId)) is null)
        {
            return;
        }

        var exemption = entity.ClrType.GetCustomAttribute<NotTenantFilteredAttribute>();
        if (exemption is not null)
        {
            Assert.False(string.IsNullOrWhiteSpace(exemption.Reason));
            Assert.Empty(entity.GetDeclaredQueryFilters());
            return;
        }

        Assert.True(typeof(ITenantOwned).IsAssignableFrom(entity.ClrType), $"{entityName} has an OrganizationId but is not ITenantOwned");
        Assert.Contains(QueryFilterNames.Tenant, FilterNames(entity));
    }

    [Theory]
    [MemberData(nameof(EntityTypes))]
    public void Every_filter_is_named(string entityName) =>
        Assert.All(Entity(entityName).GetDeclaredQueryFilters(), f => Assert.False(f.IsAnonymous, $"{entityName} has an anonymous query filter"));

    [Theory]
    [InlineData(typeof(InventoryBalance))]
    [InlineData(typeof(InventoryTransaction))]
    [InlineData(typeof(Allocation))]
    [InlineData(typeof(InventoryHold))]
    [InlineData(typeof(Location))]
    [InlineData(typeof(ApiKey))]
    [InlineData(typeof(OAuthClient))]
    public void Branch_owned_and_stock_rows_have_both_the_tenant_and_the_branch_filter(Type type)
    {
        var names = FilterNames(Entity(type.Name));
        Assert.Contains(QueryFilterNames.Tenant, names);
        Assert.Contains(QueryFilterNames.Branch, names);
    }

    [Theory]
    [InlineData(typeof(Product))]
    [InlineData(typeof(Location))]
    public void Soft_deletable_entities_have_the_soft_delete_filter(Type type) =>
        Assert.Contains(QueryFilterNames.SoftDelete, FilterNames(Entity(type.Name)));

    [Fact]
    public void The_filters_read_the_request_tenant_not_a_constant()
    {
        // The tenant filter must compare with the context's current organization (a parameter per query), not with a value
        // captured once when the model was built.
        var filter = Entity(nameof(InventoryBalance)).FindDeclaredQueryFilter(QueryFilterNames.Tenant)!;
        Assert.Contains("TenantOrganizationId", filter.Expression!.ToString(), StringComparison.Ordinal);
    }

    private static List<string?> FilterNames(IEntityType entity) => entity.GetDeclaredQueryFilters().Select(f => f.Key).ToList();

    private static IEntityType Entity(string name) => Model.GetEntityTypes().Single(t => !t.IsOwned() && t.ClrType.Name == name);

    private static IModel BuildModel()
    {
        var options = new DbContextOptionsBuilder<InventoryDbContext>();
        options.UseInventoryPostgres("Host=model.invalid;Database=model_only");
        using var context = new InventoryDbContext(options.Options);
        return context.Model;
    }
}
