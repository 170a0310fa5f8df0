using Microsoft.Extensions.DependencyInjection;

namespace Smackdab.Inventory.Tests.Integration.TestHost;

/// <summary>A shared host (own database) that also serves <see cref="TestOnlyController"/>; classes make their own tenants.</summary>
public static class TestOnlyApi
{
    private static readonly Lazy<Task<ApiFactory>> Instance = new(() => StartAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<ApiFactory> GetAsync() => Instance.Value;

    /// <summary>A dedicated host with the test-only endpoints, for tests that need their own settings or services.</summary>
    public static Task<ApiFactory> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null) =>
        ApiFactory.StartAsync(settings, services =>
        {
            services.AddControllers().AddApplicationPart(typeof(TestOnlyController).Assembly);
            configureServices?.Invoke(services);
        });
}

/// <summary>Class fixture: <see cref="TestOnlyApi"/> and a fresh organization.</summary>
public sealed class TestOnlyTenantFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await TestOnlyApi.GetAsync();
        Tenant = await Tenant.CreateAsync(Api);
        // Keyless: these tests send Idempotency-Key themselves, or deliberately leave it out.
        Client = Tenant.Client(Api, autoIdempotencyKey: false);
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }
}
