using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Smackdab.Inventory.Tests.Integration.Auth;

/// <summary>An API host of its own whose TimeProvider is a <see cref="FakeTimeProvider"/>: expiry and rotation without sleeps.</summary>
public abstract class ClockedApiFixture : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync(Settings, services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            ConfigureServices(services);
        });
        Tenant = await Tenant.CreateAsync(Api);
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}
