using Smackdab.Inventory.Tests.Support.Contracts;

namespace Smackdab.Inventory.Tests.Integration.Contracts;

public sealed class ResilienceContractTests
{
    [Fact]
    public void Parameters_yaml_describes_the_resilience_headers_as_implemented()
    {
        var headers = YamlToJson.Load(Path.Combine(RepositoryRoot.Path, "shared", "parameters.yaml"))["headers"]!;
        foreach (var name in new[] { "Idempotency-Key", "Accept", "Accept-Encoding", "Content-Encoding", "If-Match", "If-None-Match" })
        {
            Assert.Equal("implemented", headers["request"]![name]!["status"]!.GetValue<string>());
        }

        foreach (var name in new[]
        {
            "X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
            "Retry-After", "X-RateLimit-Retry-After", "Idempotent-Replayed", "Deprecation", "Sunset", "Link", "Content-Encoding",
        })
        {
            Assert.Equal("implemented", headers["response"]![name]!["status"]!.GetValue<string>());
        }
    }
}
