using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Domain.Features.OAuth;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Auth;

public sealed class PkceTests
{
    // RFC 7636 appendix B.
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    private const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    [Fact]
    public void S256_matches_the_rfc_7636_example() => Assert.Equal(Challenge, Pkce.Challenge(Verifier));

    [Fact]
    public void Verification_accepts_the_right_verifier_only()
    {
        Assert.True(Pkce.Verify(Verifier, Challenge));
        Assert.False(Pkce.Verify(Verifier[..^1] + "l", Challenge));
    }

    [Theory]
    [InlineData(Verifier, true)]
    [InlineData("short", false)]
    [InlineData("dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk", false)]
    [InlineData("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk~.", true)]
    public void Verifier_format_is_checked(string value, bool wellFormed) => Assert.Equal(wellFormed, Pkce.IsWellFormed(value));
}

public sealed class OAuthScopesTests
{
    [Fact]
    public void No_requested_scope_means_all_the_client_may_have() =>
        Assert.Equal(["inventory.products.read", "inventory.products.write"], OAuthScopes.Resolve(null, ["inventory.products.read", "inventory.products.write"]));

    [Fact]
    public void Requested_scopes_are_deduplicated_and_kept_when_allowed() =>
        Assert.Equal(["inventory.products.read"], OAuthScopes.Resolve("inventory.products.read  inventory.products.read", ["inventory.products.read", "inventory.products.write"]));

    [Fact]
    public void Admin_allows_narrower_scopes() =>
        Assert.Equal(["inventory.reports.read"], OAuthScopes.Resolve("inventory.reports.read", ["inventory.admin"]));

    [Theory]
    [InlineData("inventory.admin")]
    [InlineData("inventory.products.write")]
    [InlineData("inventory.unknown")]
    public void Scopes_beyond_the_client_are_invalid_scope(string requested)
    {
        var error = Assert.Throws<OAuthException>(() => OAuthScopes.Resolve(requested, ["inventory.products.read"]));
        Assert.Equal(OAuthErrors.InvalidScope, error.Error);
    }

    [Fact]
    public void Narrow_drops_what_the_client_lost() =>
        Assert.Equal(["inventory.products.read"], OAuthScopes.Narrow(["inventory.products.read", "inventory.products.write"], ["inventory.products.read"]));
}

public sealed class OAuthSecretsTests
{
    [Fact]
    public void Secrets_are_long_random_and_prefixed()
    {
        var a = OAuthSecrets.NewClientSecret();
        var b = OAuthSecrets.NewClientSecret();
        Assert.NotEqual(a, b);
        Assert.StartsWith("cs_live_", a);
        Assert.True(a.Length >= 56);
        Assert.StartsWith("rt_", OAuthSecrets.NewRefreshToken());
        Assert.StartsWith("ac_", OAuthSecrets.NewCode());
    }

    [Fact]
    public void A_secret_matches_its_hash_only()
    {
        var secret = OAuthSecrets.NewClientSecret();
        var hash = OAuthSecrets.Hash(secret);
        Assert.Equal(64, hash.Length);
        Assert.True(OAuthSecrets.Matches(secret, hash));
        Assert.False(OAuthSecrets.Matches(secret + "x", hash));
        Assert.Equal(secret[..12], OAuthSecrets.DisplayPrefix(secret));
    }

    [Theory]
    [InlineData("https://shop.example.com/cb", true)]
    [InlineData("http://localhost:3000/cb", true)]
    [InlineData("http://127.0.0.1/cb", true)]
    [InlineData("http://shop.example.com/cb", false)]
    [InlineData("https://shop.example.com/cb#x", false)]
    [InlineData("/cb", false)]
    [InlineData("javascript:alert(1)", false)]
    public void Redirect_uris_must_be_https_or_loopback_http_without_fragment(string uri, bool acceptable) =>
        Assert.Equal(acceptable, CreateOAuthClientRequestValidator.IsAcceptableRedirectUri(uri));
}

public sealed class BasicCredentialsTests
{
    [Fact]
    public void Basic_credentials_are_form_url_decoded()
    {
        var header = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("client_abc:s%3Acret+x"));
        Assert.True(BasicCredentials.TryParse(header, out var id, out var secret));
        Assert.Equal("client_abc", id);
        Assert.Equal("s:cret x", secret);
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("Basic !!!")]
    [InlineData("Basic bm9jb2xvbg==")]
    public void Malformed_basic_credentials_are_refused(string header) =>
        Assert.False(BasicCredentials.TryParse(header, out _, out _));
}

public sealed class AuthFailureLimiterTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public void Limit_applies_per_ip_and_per_prefix_at_that_ip_until_the_window_ends()
    {
        var limiter = new AuthFailureLimiter(Options.Create(new AuthFailureLimitOptions { PermitLimit = 3, WindowSeconds = 60 }), _clock);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(limiter.RetryAfter("10.0.0.1", "sk_live_ab12"));
            limiter.RecordFailure("10.0.0.1", "sk_live_ab12");
        }

        Assert.Equal(TimeSpan.FromSeconds(60), limiter.RetryAfter("10.0.0.1", null));
        // The prefix is blocked only where it failed: another address may still use the credential (issue 8 row 8).
        Assert.Null(limiter.RetryAfter("10.0.0.2", "sk_live_ab12"));
        Assert.Null(limiter.RetryAfter("10.0.0.2", "sk_live_cd34"));

        _clock.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(TimeSpan.FromSeconds(15), limiter.RetryAfter("10.0.0.1", null));
        _clock.Advance(TimeSpan.FromSeconds(15));
        Assert.Null(limiter.RetryAfter("10.0.0.1", "sk_live_ab12"));
    }

    [Fact]
    public void Memory_stays_bounded_under_many_addresses()
    {
        var limiter = new AuthFailureLimiter(Options.Create(new AuthFailureLimitOptions { PermitLimit = 1, WindowSeconds = 60, MaxTrackedClients = 100 }), _clock);
        for (var i = 0; i < 1000; i++)
        {
            limiter.RecordFailure($"10.0.{i / 256}.{i % 256}", null);
        }

        // Still works after sweeping: the latest address is limited.
        Assert.NotNull(limiter.RetryAfter("10.0.3.231", null));
    }
}
