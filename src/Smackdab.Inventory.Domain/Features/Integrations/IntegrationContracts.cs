namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>Body of POST /v1/integrations and what PATCH merges into. Secrets under <c>authentication</c> are write-only.</summary>
public sealed record IntegrationWriteRequest
{
    public string? Name { get; init; }

    public string? Type { get; init; }

    public string? Provider { get; init; }

    public string? BaseUrl { get; init; }

    public string? HealthPath { get; init; }

    public string? Status { get; init; }

    public int? TimeoutMs { get; init; }

    /// <summary>Omitted on PATCH: the stored credentials stay as they are.</summary>
    public AuthenticationRequest? Authentication { get; init; }

    public RetryPolicyDto? RetryPolicy { get; init; }

    public CircuitBreakerDto? CircuitBreaker { get; init; }

    /// <summary>Event types pushed to this system once its push is enabled (PUT /v1/integrations/{id}/push).</summary>
    public IReadOnlyList<string>? Events { get; init; }

    /// <summary>Path under base_url that pushed events are POSTed to (default /inventory-events).</summary>
    public string? EventsPath { get; init; }

    public static IntegrationWriteRequest Example => new()
    {
        Name = "QuickBooks",
        Type = IntegrationTypes.Accounting,
        Provider = "quickbooks",
        BaseUrl = "https://quickbooks.api.intuit.com/v3/company/123",
        HealthPath = "/health",
        Authentication = new AuthenticationRequest
        {
            Type = IntegrationAuthTypes.OAuth2,
            TokenUrl = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
            ClientId = "qb_client_789",
            ClientSecret = "qb_secret_012",
            RefreshToken = "rt_abc123def456",
        },
        RetryPolicy = RetryPolicyDto.From(new RetryPolicy()),
        CircuitBreaker = CircuitBreakerDto.From(new CircuitBreakerSettings()),
        Events = ["inventory.shipment.confirmed"],
        EventsPath = "/inventory-events",
    };
}

public sealed record AuthenticationRequest
{
    /// <summary>none, api_key or oauth2.</summary>
    public string? Type { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Header the API key is sent in (default Authorization: Bearer).</summary>
    public string? HeaderName { get; init; }

    public string? TokenUrl { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? RefreshToken { get; init; }

    public string? Scope { get; init; }
}

public sealed record RetryPolicyDto
{
    public string? Strategy { get; init; }

    public int? MaxAttempts { get; init; }

    public int? BaseDelayMs { get; init; }

    public int? MaxDelayMs { get; init; }

    public double? BackoffMultiplier { get; init; }

    public bool? Jitter { get; init; }

    public IReadOnlyList<string>? RetryableErrors { get; init; }

    public IReadOnlyList<string>? NonRetryableErrors { get; init; }

    public static RetryPolicyDto From(RetryPolicy p) => new()
    {
        Strategy = p.Strategy,
        MaxAttempts = p.MaxAttempts,
        BaseDelayMs = p.BaseDelayMs,
        MaxDelayMs = p.MaxDelayMs,
        BackoffMultiplier = p.BackoffMultiplier,
        Jitter = p.Jitter,
        RetryableErrors = p.RetryableErrors,
        NonRetryableErrors = p.NonRetryableErrors,
    };

    /// <summary>Fields left out take the spec's defaults (a strategy's own base delay when only the strategy is given).</summary>
    public RetryPolicy ToPolicy()
    {
        var strategy = Strategy ?? RetryStrategies.Exponential;
        var retryable = RetryableErrors?.ToList() ?? [.. ConnectorErrorClasses.DefaultRetryable];
        return new RetryPolicy
        {
            Strategy = strategy,
            MaxAttempts = MaxAttempts ?? 5,
            BaseDelayMs = BaseDelayMs ?? RetryStrategies.DefaultBaseDelayMs(strategy),
            MaxDelayMs = MaxDelayMs ?? 30_000,
            BackoffMultiplier = BackoffMultiplier ?? 2.0,
            Jitter = Jitter ?? true,
            RetryableErrors = retryable,
            NonRetryableErrors = NonRetryableErrors?.ToList() ?? ConnectorErrorClasses.DefaultNonRetryable.Where(c => !retryable.Contains(c)).ToList(),
        };
    }
}

public sealed record CircuitBreakerDto
{
    public int? FailureThreshold { get; init; }

    public double? FailureRateThreshold { get; init; }

    public int? TimeoutMs { get; init; }

    public int? HalfOpenMaxCalls { get; init; }

    public int? HalfOpenSuccessThreshold { get; init; }

    public int? MonitoringWindowMs { get; init; }

    public static CircuitBreakerDto From(CircuitBreakerSettings s) => new()
    {
        FailureThreshold = s.FailureThreshold,
        FailureRateThreshold = s.FailureRateThreshold,
        TimeoutMs = s.TimeoutMs,
        HalfOpenMaxCalls = s.HalfOpenMaxCalls,
        HalfOpenSuccessThreshold = s.HalfOpenSuccessThreshold,
        MonitoringWindowMs = s.MonitoringWindowMs,
    };

    public CircuitBreakerSettings ToSettings() => new()
    {
        FailureThreshold = FailureThreshold ?? 5,
        FailureRateThreshold = FailureRateThreshold ?? 0.5,
        TimeoutMs = TimeoutMs ?? 60_000,
        HalfOpenMaxCalls = HalfOpenMaxCalls ?? 3,
        HalfOpenSuccessThreshold = HalfOpenSuccessThreshold ?? 2,
        MonitoringWindowMs = MonitoringWindowMs ?? 300_000,
    };
}

/// <summary>What the API shows of the stored credentials: their kind and which fields are set, never a value.</summary>
public sealed record AuthenticationSummary(
    string Type,
    IReadOnlyList<string> ConfiguredFields,
    bool HasAccessToken,
    DateTime? AccessTokenExpiresAt);

public sealed record IntegrationResponse
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string Type { get; init; } = "";

    public string? Provider { get; init; }

    public string BaseUrl { get; init; } = "";

    public string HealthPath { get; init; } = "";

    public string Status { get; init; } = "";

    public int TimeoutMs { get; init; }

    public AuthenticationSummary Authentication { get; init; } = new(IntegrationAuthTypes.None, [], false, null);

    public RetryPolicyDto RetryPolicy { get; init; } = new();

    public CircuitBreakerDto CircuitBreaker { get; init; } = new();

    public IReadOnlyList<string> Events { get; init; } = [];

    public string? EventsPath { get; init; }

    public DateTime? LastSuccessfulCallAt { get; init; }

    public DateTime? LastSyncAt { get; init; }

    public int Version { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public static IntegrationResponse From(Integration i, IntegrationCredentials credentials) => new()
    {
        Id = i.Id,
        Name = i.Name,
        Type = i.Type,
        Provider = i.Provider,
        BaseUrl = i.BaseUrl,
        HealthPath = i.HealthPath,
        Status = i.Status,
        TimeoutMs = i.TimeoutMs,
        Authentication = new AuthenticationSummary(
            i.AuthType,
            ConfiguredFields(credentials),
            credentials.AccessToken is not null,
            credentials.AccessTokenExpiresAt),
        RetryPolicy = RetryPolicyDto.From(i.RetryPolicy),
        CircuitBreaker = CircuitBreakerDto.From(i.CircuitBreaker),
        Events = i.Events,
        EventsPath = i.EventsPath,
        LastSuccessfulCallAt = i.LastSuccessfulCallAt,
        LastSyncAt = i.LastSyncAt,
        Version = i.Version,
        CreatedAt = i.CreatedAt,
        UpdatedAt = i.UpdatedAt,
    };

    private static List<string> ConfiguredFields(IntegrationCredentials c)
    {
        var fields = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                fields.Add(name);
            }
        }

        Add("api_key", c.ApiKey);
        Add("header_name", c.ApiKeyHeader);
        Add("token_url", c.TokenUrl);
        Add("client_id", c.ClientId);
        Add("client_secret", c.ClientSecret);
        Add("refresh_token", c.RefreshToken);
        Add("scope", c.Scope);
        return fields;
    }
}
