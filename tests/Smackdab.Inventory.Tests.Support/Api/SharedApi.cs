namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>One API host and database for the whole test run; each test class gets its own organization.</summary>
public static class SharedApi
{
    private static readonly Lazy<Task<ApiFactory>> Instance = new(() => ApiFactory.StartAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<ApiFactory> GetAsync() => Instance.Value;
}
