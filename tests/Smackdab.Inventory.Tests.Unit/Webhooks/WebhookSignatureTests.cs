using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Webhooks;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Webhooks;

public sealed class WebhookSignatureTests
{
    private const string Body = """{"event_type":"inventory.quantity.updated","event_id":"evt_1","data":{"sku":"WIDGET-001","note":"ünïcødé"}}""";

    [Fact]
    public void Signature_verifies_with_the_StandardWebhooks_library_as_a_receiver_would()
    {
        var secret = WebhookSecrets.New();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "evt_1",
            ["webhook-timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = WebhookSignature.StandardSignatures("evt_1", timestamp, Body, [WebhookSecrets.KeyOf(secret)]),
        };

        new StandardWebhook(secret).Verify(Body, headers);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(WebhookSecrets.New()).Verify(Body, headers));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(Body.Replace("WIDGET", "GADGET", StringComparison.Ordinal), headers));
    }

    [Fact]
    public void Signature_matches_an_independent_hmac_over_id_timestamp_and_body()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("msg_2.1700000000." + Body)));
        Assert.Equal("v1," + expected, WebhookSignature.StandardSignatures("msg_2", 1700000000, Body, [key]));

        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Body)));
        Assert.Equal("sha256=" + hex, WebhookSignature.BodySignature(Body, key));
    }

    [Fact]
    public void During_a_rotation_both_secrets_sign_and_either_verifies()
    {
        var current = WebhookSecrets.New();
        var previous = WebhookSecrets.New();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = WebhookSignature.StandardSignatures("evt_3", timestamp, Body, [WebhookSecrets.KeyOf(current), WebhookSecrets.KeyOf(previous)]);
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "evt_3",
            ["webhook-timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = signature,
        };

        // The current secret signs first: the StandardWebhooks library (1.1.2) compares only the first entry of the header.
        new StandardWebhook(current).Verify(Body, headers);
        // The spec's rule (any space-separated v1 entry may match), computed independently, accepts either secret.
        Assert.True(SpecVerifier.Verifies(current, headers, Body));
        Assert.True(SpecVerifier.Verifies(previous, headers, Body));
        Assert.False(SpecVerifier.Verifies(WebhookSecrets.New(), headers, Body));
    }

    [Fact]
    public void A_caller_chosen_secret_becomes_a_whsec_secret_whose_key_is_its_bytes()
    {
        var secret = WebhookSecrets.FromCallerSecret("webhook_secret_abc123");
        Assert.StartsWith("whsec_", secret);
        Assert.Equal("webhook_secret_abc123"u8.ToArray(), WebhookSecrets.KeyOf(secret));
        var generated = WebhookSecrets.New();
        Assert.Equal(generated, WebhookSecrets.FromCallerSecret(generated));
    }

    [Fact]
    public void Secrets_are_encrypted_at_rest_and_bound_to_their_subscription()
    {
        var protector = new WebhookSecretProtector(
            Options.Create(new WebhookOptions { SecretEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }),
            NullLogger<WebhookSecretProtector>.Instance);
        var secret = WebhookSecrets.New();
        var stored = protector.Protect(secret, "sub_a");

        Assert.DoesNotContain(secret[6..], stored, StringComparison.Ordinal);
        Assert.Equal(secret, protector.Unprotect(stored, "sub_a"));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(stored, "sub_b"));
        Assert.NotEqual(stored, protector.Protect(secret, "sub_a"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("not base64!")]
    public void Encryption_key_must_be_32_bytes_of_base64(string key)
    {
        if (key.Length == 0)
        {
            Assert.Null(WebhookSecretProtector.ValidateKey(key));
        }
        else
        {
            Assert.NotNull(WebhookSecretProtector.ValidateKey(key));
        }
    }

    [Fact]
    public void Exponential_backoff_grows_strictly_despite_jitter_and_stays_capped()
    {
        var backoff = new WebhookBackoff(new Random(7));
        for (var run = 0; run < 200; run++)
        {
            var previous = TimeSpan.Zero;
            for (var attempt = 1; attempt <= 6; attempt++)
            {
                var delay = backoff.Delay(BackoffStrategies.Exponential, attempt, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1));
                var nominal = 10 * Math.Pow(2, attempt - 1);
                Assert.InRange(delay.TotalSeconds, nominal * 0.8, nominal * 1.2);
                Assert.True(delay > previous);
                previous = delay;
            }
        }

        Assert.InRange(backoff.Delay(BackoffStrategies.Exponential, 40, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1)).TotalSeconds, 3600 * 0.8, 3600 * 1.2);
        Assert.InRange(backoff.Delay(BackoffStrategies.Linear, 3, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1)).TotalSeconds, 24, 36);
        Assert.InRange(backoff.Delay(BackoffStrategies.Fixed, 5, TimeSpan.FromSeconds(10), TimeSpan.FromHours(1)).TotalSeconds, 8, 12);
    }

    [Theory]
    [InlineData("*", "inventory.product.created", true)]
    [InlineData("inventory.product.*", "inventory.product.deleted", true)]
    [InlineData("inventory.product.*", "inventory.location.created", false)]
    [InlineData("inventory.quantity.updated", "inventory.quantity.updated", true)]
    [InlineData("inventory.quantity.updated", "inventory.updated", false)]
    public void Event_patterns_match_types(string pattern, string type, bool matches) =>
        Assert.Equal(matches, WebhookEventTypes.Matches(pattern, type));

    [Theory]
    [InlineData("inventory.product.*", true)]
    [InlineData("*", true)]
    [InlineData("shipment.confirmed", true)]
    [InlineData("inventory.nothing", false)]
    [InlineData("nothing.*", false)]
    [InlineData("", false)]
    public void Only_known_types_and_patterns_that_match_one_are_valid(string pattern, bool valid) =>
        Assert.Equal(valid, WebhookEventTypes.IsValidPattern(pattern));

    /// <summary>Verification exactly as the Standard Webhooks spec states it, written from the spec rather than from our signer.</summary>
    private static class SpecVerifier
    {
        public static bool Verifies(string secret, HeaderDictionary headers, string body)
        {
            var key = Convert.FromBase64String(secret["whsec_".Length..]);
            var content = $"{headers["webhook-id"]}.{headers["webhook-timestamp"]}.{body}";
            var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(content)));
            return headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(entry => entry.StartsWith("v1,", StringComparison.Ordinal))
                .Any(entry => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry[3..]), Encoding.ASCII.GetBytes(expected)));
        }
    }
}
