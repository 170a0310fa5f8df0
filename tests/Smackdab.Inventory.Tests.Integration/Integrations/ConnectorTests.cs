using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Integrations;

/// <summary>The connector against a real HTTP fault server on loopback, with the clock moved by hand (no sleeps).</summary>
public sealed class ConnectorTests(ConnectorFixture fixture) : IClassFixture<ConnectorFixture>
{
    private static readonly ConnectorRequest Read = new(HttpMethod.Get, "/items");

    private static ConnectorRequest Write => new(HttpMethod.Post, "/invoices", "{\"amount\":10}");

    private FaultServer Server => fixture.Server;

    private ConnectorClient NewConnector() => fixture.NewInstance().GetRequiredService<ConnectorClient>();

    private static object NoRetry => new { max_attempts = 1 };

    [Fact]
    public async Task Exponential_backoff_waits_1_2_4_8_seconds_plus_jitter_then_succeeds()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix);
        Server.Enqueue(prefix + "/items", Fault.Answer(500), Fault.Answer(502), Fault.Answer(503), Fault.Answer(500), Fault.Ok("{\"items\":[1]}"));

        var (call, delays) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Read, CancellationToken.None), delays: 4);
        var response = await call;

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(5, response.Attempts);
        Assert.Equal(5, Server.CountFor(prefix + "/items"));
        var expected = new[] { 1000, 2000, 4000, 8000 };
        for (var i = 0; i < 4; i++)
        {
            var ms = delays[i].TotalMilliseconds;
            Assert.True(ms >= expected[i] && ms <= expected[i] + 1000, $"Retry {i + 1} waited {ms} ms, expected {expected[i]} + 0–1000 ms jitter");
        }

        // The server saw the attempts exactly that far apart on the same clock.
        var arrivals = Server.Received.Where(r => r.Path == prefix + "/items").Select(r => r.At).ToList();
        for (var i = 1; i < arrivals.Count; i++)
        {
            Assert.Equal(delays[i - 1], arrivals[i] - arrivals[i - 1]);
        }
    }

    [Theory]
    [InlineData("linear", 2000, new[] { 2000, 4000, 6000, 8000 })]
    [InlineData("fixed", 5000, new[] { 5000, 5000, 5000, 5000 })]
    public async Task Linear_and_fixed_strategies_wait_the_specs_intervals(string strategy, int baseDelay, int[] expected)
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, new { strategy, base_delay_ms = baseDelay, jitter = false });
        Server.SetDefault(prefix + "/items", Fault.Answer(500));

        var (call, delays) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Read, CancellationToken.None), delays: 4);
        var failure = await Assert.ThrowsAsync<IntegrationCallException>(() => call);

        Assert.Equal(expected, delays.Select(d => (int)d.TotalMilliseconds).ToArray());
        Assert.Equal("INTERNAL_ERROR", failure.ErrorClass);
        Assert.Equal(5, Server.CountFor(prefix + "/items"));
    }

    [Fact]
    public async Task Jittered_strategy_waits_two_seconds_plus_or_minus_half()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, new { strategy = "jittered", max_attempts = 10 }, new { failure_threshold = 100 });
        Server.SetDefault(prefix + "/items", Fault.Answer(503));

        var (call, delays) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Read, CancellationToken.None), delays: 9);
        await Assert.ThrowsAsync<IntegrationCallException>(() => call);

        Assert.All(delays, d => Assert.InRange(d.TotalMilliseconds, 1000, 3000));
        Assert.True(delays.Distinct().Count() > 1, "Jitter should vary the delays");
    }

    [Fact]
    public async Task Rate_limited_answer_is_retried_after_its_Retry_After()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix);
        Server.Enqueue(prefix + "/items", Fault.Answer(429, "{}", retryAfterSeconds: 3), Fault.Ok());

        var (call, delays) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Read, CancellationToken.None), delays: 1);

        Assert.Equal(200, (await call).StatusCode);
        Assert.Equal([TimeSpan.FromSeconds(3)], delays);
    }

    [Theory]
    [InlineData(404, "NOT_FOUND")]
    [InlineData(400, "VALIDATION_FAILED")]
    [InlineData(403, "PERMISSION_DENIED")]
    public async Task Non_retryable_errors_are_not_retried(int status, string errorClass)
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix);
        Server.SetDefault(prefix + "/invoices", Fault.Answer(status));

        var failure = await Assert.ThrowsAsync<IntegrationCallException>(() => NewConnector().SendAsync(integration, Write, CancellationToken.None));

        Assert.Equal(errorClass, failure.ErrorClass);
        Assert.Equal(1, Server.CountFor(prefix + "/invoices"));
        Assert.Equal(1, failure.Details["attempts"]);
    }

    [Fact]
    public async Task A_hanging_call_times_out_and_the_timeout_is_retried()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, new { max_attempts = 2, jitter = false });
        Server.Enqueue(prefix + "/invoices", Fault.Hang(), Fault.Ok("{\"id\":\"inv_1\"}"));

        var (call, delays) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Write, CancellationToken.None), delays: 1, fireTimeouts: 1);

        var response = await call;
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(2, response.Attempts);
        Assert.Equal([TimeSpan.FromSeconds(1)], delays);
    }

    [Fact]
    public async Task A_dropped_connection_is_a_network_error_and_is_retried()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, new { max_attempts = 3, jitter = false });
        Server.Enqueue(prefix + "/invoices", Fault.Drop(), Fault.Drop(), Fault.Ok());

        var (call, delays) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Write, CancellationToken.None), delays: 2);

        Assert.Equal(200, (await call).StatusCode);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], delays);
    }

    [Fact]
    public async Task Timeouts_and_drops_that_exhaust_the_attempts_fail_with_their_class()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, new { max_attempts = 2, jitter = false });
        Server.Enqueue(prefix + "/invoices", Fault.Drop(), Fault.Drop());

        var (call, _) = await fixture.DriveAsync(() => NewConnector().SendAsync(integration, Write, CancellationToken.None), delays: 1);

        var failure = await Assert.ThrowsAsync<IntegrationCallException>(() => call);
        Assert.Equal("NETWORK_ERROR", failure.ErrorClass);
        Assert.Equal(2, failure.Details["attempts"]);
    }

    [Fact]
    public async Task An_expired_access_token_is_refreshed_once_and_the_call_sent_again()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry, authentication: new
        {
            type = "oauth2",
            token_url = Server.BaseUrl + "/oauth/token",
            client_id = "qb_client_789",
            client_secret = "qb_secret_012",
            refresh_token = "rt_initial",
        });
        try
        {
            var connector = NewConnector();
            var tokenCallsBefore = Server.TokenRequests.Count;

            // First call: no access token yet, so one is fetched with the stored refresh token.
            Assert.Equal(200, (await connector.SendAsync(integration, Write, CancellationToken.None)).StatusCode);
            var first = Server.TokenRequests[tokenCallsBefore];
            Assert.Equal("refresh_token", first["grant_type"]);
            Assert.Equal("rt_initial", first["refresh_token"]);
            Assert.StartsWith("Basic ", first["authorization"]);

            // The external system expires the token: the next call gets 401, refreshes with the rotated refresh token, resends.
            var issued = Server.LastIssuedRefreshToken;
            var reloaded = await fixture.LoadAsync(integration.Id);
            var countBefore = Server.CountFor(prefix + "/invoices");
            Server.AcceptedToken = "the-stored-token-has-expired";
            var response = await connector.SendAsync(reloaded, Write, CancellationToken.None);

            Assert.Equal(200, response.StatusCode);
            Assert.Equal(tokenCallsBefore + 2, Server.TokenRequests.Count);
            Assert.Equal(issued, Server.TokenRequests[^1]["refresh_token"]);
            Assert.Equal(countBefore + 2, Server.CountFor(prefix + "/invoices"));
            Assert.Equal("Bearer " + Server.AcceptedToken, Server.Received[^1].Headers["Authorization"]);
        }
        finally
        {
            Server.AcceptedToken = null;
        }
    }

    [Fact]
    public async Task A_refused_token_refresh_is_an_authentication_failure_without_retries()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, authentication: new
        {
            type = "oauth2",
            token_url = Server.BaseUrl + "/oauth/token",
            client_id = "qb_client_789",
            client_secret = "qb_secret_012",
            refresh_token = "rt_expired",
        });
        Server.TokenEndpointStatus = 400;
        try
        {
            var failure = await Assert.ThrowsAsync<IntegrationCallException>(() => NewConnector().SendAsync(integration, Write, CancellationToken.None));
            Assert.Equal("AUTHENTICATION_FAILED", failure.ErrorClass);
            Assert.Equal(0, Server.CountFor(prefix + "/invoices"));
        }
        finally
        {
            Server.TokenEndpointStatus = null;
        }
    }

    [Fact]
    public async Task Breaker_opens_at_the_threshold_fails_fast_half_opens_after_timeout_and_closes_after_successes()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry, new
        {
            failure_threshold = 3, failure_rate_threshold = 0.5, timeout_ms = 60000, half_open_max_calls = 3, half_open_success_threshold = 2,
        });
        var connector = NewConnector();
        var path = prefix + "/invoices";
        Server.SetDefault(path, Fault.Answer(500));

        for (var i = 0; i < 3; i++)
        {
            var failure = await Assert.ThrowsAsync<IntegrationCallException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
            Assert.Equal("INTERNAL_ERROR", failure.ErrorClass);
        }

        var openedAt = fixture.Clock.GetUtcNow().UtcDateTime;
        var open = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        Assert.Equal("CIRCUIT_BREAKER_OPEN", open.Code);
        Assert.Equal("OPEN", open.Details["circuit_state"]);
        Assert.Equal(3, open.Details["failure_count"]);
        Assert.Equal(openedAt.AddMinutes(1), open.RetryAfter, TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, Server.CountFor(path));

        // Another instance shares the state: it fails fast too, without calling out.
        var other = NewConnector();
        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => other.SendAsync(integration, Write, CancellationToken.None));
        Assert.Equal(3, Server.CountFor(path));

        fixture.Clock.Advance(TimeSpan.FromSeconds(59));
        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => connector.SendAsync(integration, Write, CancellationToken.None));

        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        Server.SetDefault(path, Fault.Ok());
        Assert.Equal(200, (await other.SendAsync(integration, Write, CancellationToken.None)).StatusCode);
        var breakers = fixture.NewInstance().GetRequiredService<CircuitBreakerStore>();
        Assert.Equal("HALF_OPEN", (await breakers.GetAsync(integration, CancellationToken.None)).State);

        Assert.Equal(200, (await connector.SendAsync(integration, Write, CancellationToken.None)).StatusCode);
        Assert.Equal("CLOSED", (await breakers.GetAsync(integration, CancellationToken.None)).State);
        Assert.Equal(5, Server.CountFor(path));
    }

    [Fact]
    public async Task A_failure_while_half_open_reopens_the_breaker()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry, new { failure_threshold = 1, timeout_ms = 10000 });
        var connector = NewConnector();
        var path = prefix + "/invoices";
        Server.SetDefault(path, Fault.Answer(500));

        await Assert.ThrowsAsync<IntegrationCallException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<IntegrationCallException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        var reopened = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        Assert.Equal("OPEN", reopened.Details["circuit_state"]);
        Assert.Equal(2, Server.CountFor(path));
    }

    [Fact]
    public async Task Breaker_stays_closed_while_the_failure_rate_is_below_the_threshold()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry, new { failure_threshold = 3, failure_rate_threshold = 0.5 });
        var connector = NewConnector();
        var path = prefix + "/invoices";

        Server.Enqueue(path, Fault.Ok(), Fault.Ok(), Fault.Ok(), Fault.Ok(), Fault.Answer(500), Fault.Answer(500), Fault.Answer(500), Fault.Answer(500));
        for (var i = 0; i < 4; i++)
        {
            await connector.SendAsync(integration, Write, CancellationToken.None);
        }

        // 3 failures in 7 calls: at the count threshold but below the 50 % rate.
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<IntegrationCallException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        }

        var breakers = fixture.NewInstance().GetRequiredService<CircuitBreakerStore>();
        Assert.Equal("CLOSED", (await breakers.GetAsync(integration, CancellationToken.None)).State);

        // The fourth failure makes it 4 in 8: 50 %.
        await Assert.ThrowsAsync<IntegrationCallException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
        Assert.Equal("OPEN", (await breakers.GetAsync(integration, CancellationToken.None)).State);
    }

    [Fact]
    public async Task A_failed_read_falls_back_to_the_last_good_response_marked_stale_but_a_write_does_not()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry);
        var connector = NewConnector();
        Server.Enqueue(prefix + "/items", Fault.Ok("{\"items\":[42]}"), Fault.Answer(500));

        var live = await connector.SendAsync(integration, Read, CancellationToken.None);
        Assert.False(live.Stale);
        var cachedAt = fixture.Clock.GetUtcNow().UtcDateTime;
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));

        var fallback = await connector.SendAsync(integration, Read, CancellationToken.None);
        Assert.True(fallback.Stale);
        Assert.Equal("{\"items\":[42]}", fallback.Body);
        Assert.Equal(cachedAt, fallback.CachedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal("INTERNAL_ERROR", fallback.FallbackReason);

        Server.Enqueue(prefix + "/invoices", Fault.Answer(500));
        await Assert.ThrowsAsync<IntegrationCallException>(() => connector.SendAsync(integration, Write, CancellationToken.None));
    }
}
