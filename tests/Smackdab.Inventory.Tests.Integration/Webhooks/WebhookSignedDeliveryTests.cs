using System.Security.Cryptography;
using System.Text;
using StandardWebhooks;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>What a receiver gets, checked at a real Kestrel endpoint with the real clock (the signature's timestamp is checked).</summary>
public sealed class WebhookSignedDeliveryTests(RealClockFixture host) : IClassFixture<RealClockFixture>
{
    [Fact]
    public async Task A_delivery_verifies_with_the_StandardWebhooks_library_and_an_independent_hmac()
    {
        var subscriber = await host.SubscribeAsync();
        var eventId = await subscriber.EnqueueAsync();

        var received = (await host.Receiver.WaitForAsync(subscriber.Path, 1)).Single();
        Assert.Equal(eventId, received.Id);
        Assert.Contains(eventId, received.Body, StringComparison.Ordinal);
        Assert.StartsWith("application/json", received.Headers["Content-Type"].ToString());

        // As a receiver would: the library verifies signature and timestamp freshness, and throws on any mismatch.
        new StandardWebhook(subscriber.Secret).Verify(received.Body, received.Headers);

        var key = Convert.FromBase64String(subscriber.Secret["whsec_".Length..]);
        var timestamp = received.Headers["webhook-timestamp"].ToString();
        Assert.InRange(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{eventId}.{timestamp}.{received.Body}")));
        Assert.Equal("v1," + expected, received.Headers["webhook-signature"].ToString());
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(received.Body)));
        Assert.Equal("sha256=" + hex, received.Headers["X-Webhook-Signature"].ToString());

        var delivery = await subscriber.WaitForDeliveryAsync(eventId, d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("response_code").GetInt32());
        Assert.True(delivery.GetProperty("latency_ms").GetInt32() >= 0);
        var attempt = delivery.GetProperty("attempt_log").EnumerateArray().Single();
        Assert.True(attempt.GetProperty("succeeded").GetBoolean());

        var performance = (await subscriber.SubscriptionAsync()).GetProperty("webhook_performance");
        Assert.Equal(100m, performance.GetProperty("delivery_success_rate").GetDecimal());
        Assert.True(performance.GetProperty("average_delivery_time_ms").GetDecimal() >= 0);
    }

    [Fact]
    public async Task After_a_rotation_deliveries_carry_signatures_for_the_new_and_the_previous_secret()
    {
        var subscriber = await host.SubscribeAsync();
        using var rotate = await subscriber.Client.PostAsJsonAsync($"/v1/webhooks/subscriptions/{subscriber.SubscriptionId}/rotate-secret", new { overlap_hours = 1 });
        var newSecret = (await Envelopes.SuccessAsync(rotate)).GetProperty("secret_key").GetString()!;
        await subscriber.EnqueueAsync();

        var received = (await host.Receiver.WaitForAsync(subscriber.Path, 1)).Single();
        var signatures = received.Headers["webhook-signature"].ToString().Split(' ');
        Assert.Equal(2, signatures.Length);
        new StandardWebhook(newSecret).Verify(received.Body, received.Headers);
        foreach (var secret in new[] { newSecret, subscriber.Secret })
        {
            var key = Convert.FromBase64String(secret["whsec_".Length..]);
            var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{received.Id}.{received.Headers["webhook-timestamp"]}.{received.Body}")));
            Assert.Contains(expected, signatures);
        }

        // The spec's header is signed with the current secret.
        var currentKey = Convert.FromBase64String(newSecret["whsec_".Length..]);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(currentKey, Encoding.UTF8.GetBytes(received.Body))), received.Headers["X-Webhook-Signature"].ToString());
    }
}
