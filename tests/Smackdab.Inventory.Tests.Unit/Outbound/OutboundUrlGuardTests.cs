using System.Net;
using System.Net.Sockets;
using Smackdab.Inventory.Domain.Features.Outbound;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Outbound;

public sealed class OutboundUrlGuardTests
{
    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void Public_unicast_addresses_are_allowed(string address) =>
        Assert.True(OutboundAddressRules.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("240.0.0.1")]
    [InlineData("192.0.2.10")]
    [InlineData("198.18.0.1")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:a00:1::1")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    public void Private_loopback_link_local_cgnat_multicast_and_reserved_addresses_are_refused(string address) =>
        Assert.False(OutboundAddressRules.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://hooks.example.com/inventory", null)]
    [InlineData("https://93.184.216.34:8443/hook?x=1", null)]
    [InlineData("http://hooks.example.com/inventory", "Must use https")]
    [InlineData("ftp://hooks.example.com/inventory", "Must use https")]
    [InlineData("https://user:pass@hooks.example.com/", "Must not contain credentials")]
    [InlineData("https://hooks.example.com/#frag", "Must not contain a fragment")]
    [InlineData("https://127.0.0.1/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://localhost/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://api.localhost/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://[::1]/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://[fd00::5]/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://169.254.169.254/latest/meta-data", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://2130706433/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://0x7f.1/hook", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("/relative/path", "Must be an absolute https URL of at most 2000 characters")]
    [InlineData("", "Is required")]
    public void Url_shape_is_judged_without_dns(string url, string? expected) =>
        Assert.Equal(expected, OutboundUrlGuard.CheckShape(url, OutboundPolicy.PublicOnly, out _));

    [Theory]
    [InlineData("http://127.0.0.1:5000/hook")]
    [InlineData("http://localhost:5000/hook")]
    [InlineData("http://[::1]:5000/hook")]
    [InlineData("https://10.0.0.5/hook")]
    public void The_test_switch_allows_private_targets_and_http_on_loopback(string url) =>
        Assert.Null(OutboundUrlGuard.CheckShape(url, new OutboundPolicy(true), out _));

    [Fact]
    public void The_test_switch_still_refuses_http_to_a_non_loopback_host() =>
        Assert.Equal("Must use https", OutboundUrlGuard.CheckShape("http://10.0.0.5/hook", new OutboundPolicy(true), out _));

    [Fact]
    public async Task A_host_name_that_resolves_to_a_private_address_is_refused()
    {
        var guard = new OutboundUrlGuard(new FakeDns(("internal.example.com", ["8.8.8.8", "10.0.0.7"]), ("public.example.com", ["8.8.4.4"])));
        Assert.NotNull(await guard.CheckAsync("https://internal.example.com/hook", OutboundPolicy.PublicOnly, CancellationToken.None));
        Assert.Null(await guard.CheckAsync("https://public.example.com/hook", OutboundPolicy.PublicOnly, CancellationToken.None));
    }

    [Fact]
    public async Task A_connection_to_a_host_that_now_resolves_to_loopback_is_refused_before_any_byte_is_sent()
    {
        // A real listener on loopback that must never be reached.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var guard = new OutboundUrlGuard(new FakeDns(("rebind.example.com", ["127.0.0.1"])));
        using var handler = guard.CreateHandler(OutboundPolicy.PublicOnly, TimeSpan.FromSeconds(2));
        using var client = new HttpClient(handler);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"https://rebind.example.com:{port}/"));
        Assert.IsType<OutboundTargetRefusedException>(error.InnerException);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task With_the_test_switch_the_handler_connects_to_loopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var guard = new OutboundUrlGuard(new FakeDns(("dev.example.com", ["127.0.0.1"])));
        using var handler = guard.CreateHandler(new OutboundPolicy(true), TimeSpan.FromSeconds(2));
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };

        var request = client.GetAsync($"http://dev.example.com:{port}/");
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(accepted.Connected);
        accepted.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => request);
    }

    private sealed class FakeDns(params (string Host, string[] Addresses)[] entries) : IOutboundDns
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
            Task.FromResult(entries.FirstOrDefault(e => e.Host == host).Addresses?.Select(IPAddress.Parse).ToArray()
                ?? throw new SocketException((int)SocketError.HostNotFound));
    }
}
