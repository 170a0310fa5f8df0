using Xunit;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>Class fixture: the shared API and a fresh organization for the test class.</summary>
public sealed class TenantFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await SharedApi.GetAsync();
        Tenant = await Tenant.CreateAsync(Api);
        Client = Tenant.Client(Api);
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }
}
