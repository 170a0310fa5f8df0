namespace Smackdab.Inventory.Domain.Common;

/// <summary>The permission scopes of the spec. <see cref="Admin"/> implies every other scope.</summary>
public static class Scopes
{
    public const string ProductsRead = "inventory.products.read";
    public const string ProductsWrite = "inventory.products.write";
    public const string TransactionsRead = "inventory.transactions.read";
    public const string TransactionsCreate = "inventory.transactions.create";
    public const string AllocationsRead = "inventory.allocations.read";
    public const string AllocationsManage = "inventory.allocations.manage";
    public const string ReportsRead = "inventory.reports.read";
    public const string Admin = "inventory.admin";

    public static readonly IReadOnlyList<string> All =
    [
        ProductsRead, ProductsWrite, TransactionsRead, TransactionsCreate,
        AllocationsRead, AllocationsManage, ReportsRead, Admin,
    ];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    public static bool Grants(IEnumerable<string> granted, string required) =>
        granted.Any(s => s == required || s == Admin);
}
