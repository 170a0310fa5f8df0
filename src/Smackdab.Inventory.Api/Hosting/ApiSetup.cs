using System.Text.Json;
using System.Text.Json.Serialization;
using FluentValidation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Serilog;
using Serilog.Events;
using Smackdab.Inventory.Api.Auth;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Api.Http;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.Integrations;
using Smackdab.Inventory.Api.Middleware;
using Smackdab.Inventory.Api.Observability;
using Smackdab.Inventory.Api.OpenApi;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Api.Validation;
using Smackdab.Inventory.Api.Versioning;
using Smackdab.Inventory.Api.Webhooks;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Service registration and the request pipeline, in the order the architecture describes.</summary>
public static class ApiSetup
{
    public static WebApplicationBuilder AddInventoryApi(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        MapEnvironmentAliases(configuration);

        var services = builder.Services;
        services.AddSerilog((sp, logger) => logger
            // Sink assemblies are named explicitly: assembly scanning finds nothing when the host is not the entry assembly (tests).
            .ReadFrom.Configuration(configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions(
                typeof(ConsoleLoggerConfigurationExtensions).Assembly,
                typeof(FileLoggerConfigurationExtensions).Assembly))
            // Sinks registered as ILogEventSink services (the tests capture log output this way).
            .ReadFrom.Services(sp)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            // Failed commands surface as exceptions and are logged once by the exception handler, with the request id.
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore.Database.Command", LogEventLevel.Fatal)
            .Enrich.FromLogContext()
            // Console output (one line per request) is written by a background worker, not on the request thread.
            // blockWhenFull keeps every line: only when the 10,000-event buffer is full does a request wait for it.
            .WriteTo.Async(sink => sink.Console(), bufferSize: 10_000, blockWhenFull: true), preserveStaticLogger: true);

        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PlatformOptions>().Bind(configuration.GetSection(PlatformOptions.Section));
        services.AddOptions<ProxyOptions>().Bind(configuration.GetSection(ProxyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<SeedOptions>().Bind(configuration.GetSection(SeedOptions.Section));
        services.AddOptions<Domain.Features.Ledger.LedgerOptions>().Bind(configuration.GetSection(Domain.Features.Ledger.LedgerOptions.Section))
            .Validate(o => o.DefaultHoldTtlSeconds is >= 1 and <= 3600 && o.HoldExpiryIntervalSeconds > 0, "Ledger options out of range")
            .ValidateOnStart();
        services.AddHostedService<HoldExpiryWorker>();
        services.AddOptions<Domain.Features.Sync.Exports.ExportOptions>().Bind(configuration.GetSection(Domain.Features.Sync.Exports.ExportOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<ExportWorker>();
        services.AddOptions<Domain.Features.Events.EventOptions>().Bind(configuration.GetSection(Domain.Features.Events.EventOptions.Section))
            .Validate(o => o.RetentionHours > 0 && o.PruneIntervalSeconds > 0 && o.PruneBatchSize > 0 && o.PollFallbackSeconds > 0
                && o.StreamHeartbeatSeconds > 0 && o.StreamBufferSize > 0 && o.StreamSlowClientSeconds > 0, "Events options out of range")
            .ValidateOnStart();
        services.AddHostedService<Realtime.EventNotificationListener>();
        services.AddScoped<Realtime.EventFeedPump>();
        services.AddScoped<Realtime.ServerSentEventsWriter>();
        services.AddScoped<Realtime.WebSocketSession>();
        services.AddHostedService<EventRetentionWorker>();
        services.AddOptions<Domain.Features.Sync.Imports.ImportOptions>().Bind(configuration.GetSection(Domain.Features.Sync.Imports.ImportOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<ImportWorker>();
        ImportSourceFetcher.AddImportSourceClient(services);
        services.AddHostedService<ErpScheduleWorker>();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = DatabaseConnection.Tune(
            configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set. Run scripts/run.sh, which starts a local PostgreSQL, or set ConnectionStrings__Postgres."),
            database);
        // Options built once (they hold no per-request state; the tenant reaches the context through its constructor), not per request.
        services.AddDbContext<InventoryDbContext>(
            (sp, options) => options.UseInventoryPostgres(connectionString, database.CommandTimeoutSeconds)
                .AddInterceptors(sp.GetRequiredService<CommittedChangesInterceptor>(), sp.GetRequiredService<BackgroundConnectionInterceptor>()),
            contextLifetime: ServiceLifetime.Scoped,
            optionsLifetime: ServiceLifetime.Singleton);
        services.AddInventoryReadCache(configuration);
        services.AddSingleton(new DatabaseConnectionString(connectionString));
        services.AddHttpContextAccessor();
        services.AddSingleton(new BackgroundConnectionString(DatabaseConnection.ForBackgroundWork(connectionString, database)));
        services.AddSingleton<BackgroundConnectionInterceptor>();
        services.AddOptions<ApiKeyCacheOptions>().Bind(configuration.GetSection(ApiKeyCacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyCache>();
        services.AddHostedService<ApiKeyRevocationListener>();
        services.AddOptions<HostingOptions>().Bind(configuration.GetSection(HostingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<Microsoft.Extensions.Options.IOptions<HostingOptions>>((host, hosting) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(hosting.Value.ShutdownTimeoutSeconds));

        services.AddSingleton(TimeProvider.System);
        services.AddInventoryDomain();
        services.AddValidatorsFromAssemblyContaining<ProductWriteRequestValidator>(ServiceLifetime.Singleton);
        services.AddSingleton<ErrorWriter>();
        services.AddSingleton<ListQueryParser>();
        services.AddSingleton<DefaultBranchCache>();
        services.AddSingleton<Representation>();
        services.AddScoped<RequestValidator>();
        services.AddScoped<DemoSeeder>();
        services.AddScoped<ValidateBodyFilter>();
        services.AddScoped<NextSyncTokenFilter>();
        services.AddExceptionHandler<EnvelopeExceptionHandler>();

        services.AddInventoryAuthentication(configuration);
        services.AddAuthorization();
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, PlatformRequirementHandler>();
        services.AddSingleton<IAuthorizationHandler, OrganizationWideRequirementHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, EnvelopeAuthorizationResultHandler>();

        services.AddControllers(options =>
            {
                options.Filters.AddService<ValidateBodyFilter>();
                options.Filters.AddService<NextSyncTokenFilter>();
                options.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true;
            })
            .AddJsonOptions(options => ConfigureJson(options.JsonSerializerOptions))
            .ConfigureApiBehaviorOptions(options =>
            {
                options.InvalidModelStateResponseFactory = ModelStateErrors.ToEnvelope;
                // Bodiless 4xx answers (415, 404 from NotFound()) get the envelope from the status-code pages, not ProblemDetails.
                options.SuppressMapClientErrors = true;
            });
        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));

        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        services.AddInventorySwagger();
        services.AddInventoryResilience(configuration);
        services.AddOptions<Domain.Features.Outbound.OutboundOptions>().Bind(configuration.GetSection(Domain.Features.Outbound.OutboundOptions.Section));
        services.AddInventoryIntegrations(configuration, builder.Environment);
        services.AddInventoryWebhooks(configuration);
        services.AddInventoryObservability(configuration);

        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Limits.MaxRequestBodySize = configuration.GetValue($"{ApiOptions.Section}:MaxRequestBodyBytes", 1024L * 1024));
        return builder;
    }

    public static WebApplication UseInventoryPipeline(this WebApplication app)
    {
        // First, so that everything after it (request log, rate limits, failure counts) sees the client, not the proxy.
        var proxies = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProxyOptions>>().Value;
        if (proxies.IsConfigured)
        {
            app.UseForwardedHeaders(proxies.ToMiddlewareOptions());
        }

        app.UseMiddleware<RequestIdMiddleware>();
        app.UseInventoryRequestMetrics();
        app.UseInventoryResponseCompression();
        app.UseSerilogRequestLogging(options =>
        {
            // This host's logger, not the static one (which is only for failures before the host exists).
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} ({Route}) responded {StatusCode} in {Elapsed:0.0} ms; request {RequestId}, organization {OrganizationId}";
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                diagnostics.Set("RequestId", http.TraceIdentifier);
                diagnostics.Set("OrganizationId", http.Request.Headers[TenancyMiddleware.OrganizationHeader].ToString() is { Length: > 0 and <= 64 } org ? org : "-");
                diagnostics.Set("Route", (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "-");
            };
        });
        // EnvelopeExceptionHandler answers every exception; this fallback only satisfies the middleware's configuration check.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = http => http.RequestServices.GetRequiredService<ErrorWriter>()
                .WriteAsync(http, 500, Domain.Common.ErrorCodes.InternalError, "An unexpected error occurred"),
        });
        app.UseStatusCodePages(StatusCodeEnvelopes.WriteAsync);
        app.UseMiddleware<NulCharacterMiddleware>();
        app.UseMiddleware<ConsistencyMiddleware>();

        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "Smackdab Inventory API v1");
            options.DocumentTitle = "Smackdab Inventory API";
        });

        app.UseRouting();
        app.UseWebSockets();
        app.UseMiddleware<AuthFailureLimitMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<RateLimitMiddleware>();
        app.UseInventoryRequestDecompression();
        // After decompression, so that the limit applies to the decompressed body (a gzip bomb is a 413).
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseMiddleware<ApiVersionMiddleware>();
        app.UseMiddleware<DeprecationHeadersMiddleware>();
        app.UseMiddleware<TenancyMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<IdempotencyMiddleware>();

        app.MapControllers();
        app.MapMigrationGuide();
        app.MapInventoryObservability();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        return app;
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.PropertyNameCaseInsensitive = false;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new NormalizedDecimalConverter());
        // Unknown fields in a request body are refused rather than silently ignored (no mass assignment of id, version, …).
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // {"status":"a","status":"b"} is ambiguous (RFC 8259 §4): refused as malformed rather than last-one-wins.
        options.AllowDuplicateProperties = false;
    }

    /// <summary>The documented short environment variable names.</summary>
    private static void MapEnvironmentAliases(ConfigurationManager configuration)
    {
        var aliases = new Dictionary<string, string>
        {
            ["SMACKDAB_PLATFORM_API_KEY"] = $"{PlatformOptions.Section}:ApiKey",
            ["SMACKDAB_DEMO_API_KEY"] = $"{SeedOptions.Section}:DemoApiKey",
        };
        var values = aliases
            .Select(a => (Key: a.Value, Value: Environment.GetEnvironmentVariable(a.Key)))
            .Where(a => !string.IsNullOrEmpty(a.Value) && string.IsNullOrEmpty(configuration[a.Key]))
            .ToDictionary(a => a.Key, a => a.Value);
        if (values.Count > 0)
        {
            configuration.AddInMemoryCollection(values);
        }
    }
}

internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        // Degraded (Redis down, an integration's breaker open) still serves traffic: 200, with the status saying so.
        var healthy = report.Status != HealthStatus.Unhealthy;
        context.Response.StatusCode = healthy ? 200 : 503;
        var envelope = new Envelope.SuccessEnvelope<object>
        {
            Data = new
            {
                status = report.Status.ToString().ToLowerInvariant(),
                checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant()),
                details = report.Entries.ToDictionary(e => e.Key, e => new
                {
                    status = e.Value.Status.ToString().ToLowerInvariant(),
                    description = e.Value.Description,
                    data = e.Value.Data.Count == 0 ? null : e.Value.Data,
                }),
            },
            Meta = Envelope.RequestInfo.BaseMeta(context),
            ResponseType = healthy ? "success" : "error",
        };
        var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<JsonOptions>>().Value.JsonSerializerOptions;
        return context.Response.WriteAsJsonAsync(envelope, json);
    }
}

/// <summary>Ready when PostgreSQL answers.</summary>
internal sealed class PostgresHealthCheck(InventoryDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("PostgreSQL does not answer");
}
