namespace Smackdab.Inventory.Api.Observability;

/// <summary>The error.code of the envelope a request answered with, noted by the error writer for the request metrics.</summary>
public static class RequestErrorCode
{
    private static readonly object Key = new();

    public static void Set(HttpContext context, string code) => context.Items[Key] = code;

    public static string? Get(HttpContext context) => context.Items.TryGetValue(Key, out var code) ? code as string : null;
}

/// <summary>Requests to this endpoint are left out of the dashboard's request figures (the dashboard's own polling).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = false)]
public sealed class NotCountedOnDashboardAttribute : Attribute;
