using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Smackdab.Inventory.Api.Dashboard;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>OpenTelemetry metrics and tracing, the Prometheus endpoint, health checks, request records and the dashboard.</summary>
public static class ObservabilitySetup
{
    public static IServiceCollection AddInventoryObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ObservabilityOptions>().Bind(configuration.GetSection(ObservabilityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var settings = configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();

        services.AddSingleton<RequestRecordQueue>();
        services.AddScoped<RequestRollupStore>();
        services.AddHostedService<RequestRollupWriter>();
        services.AddOptions<DashboardOptions>().Bind(configuration.GetSection(DashboardOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<DashboardService>();
        services.AddScoped<OperationsFigures>();
        if (settings.MetricsEnabled)
        {
            services.AddHostedService<OperationsMetricsRefresher>();
        }

        var telemetry = services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(InventoryTelemetry.NamePattern)
                    // Per organization and client, the SDK's default of 2000 series per instrument is soon reached.
                    .AddView(instrument => instrument.Meter.Name.StartsWith(InventoryTelemetry.Name, StringComparison.Ordinal)
                        ? new MetricStreamConfiguration { CardinalityLimit = settings.MetricsCardinalityLimit }
                        : null)
                    // http.server.* (every request, including health and unmatched paths) and http.client.* (webhooks, connectors).
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (settings.MetricsEnabled)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (settings.TracingEnabled)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(settings.TraceSampleRatio)))
                    .AddSource(InventoryTelemetry.NamePattern)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                // Off unless configured: the API never calls out on its own.
                if (!string.IsNullOrWhiteSpace(settings.OtlpTracesEndpoint))
                {
                    tracing.AddOtlpExporter(otlp =>
                    {
                        otlp.Endpoint = new Uri(settings.OtlpTracesEndpoint);
                        otlp.Protocol = settings.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                        otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = settings.OtlpExportDelayMilliseconds;
                    });
                }
            });
        }

        services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis", tags: ["ready"])
            .AddCheck<IntegrationBreakersHealthCheck>("integrations", tags: ["ready"]);
        return services;
    }

    /// <summary>Request metrics: early, outside the exception handler, so that every final status is seen.</summary>
    public static IApplicationBuilder UseInventoryRequestMetrics(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestMetricsMiddleware>();

    /// <summary>The Prometheus scrape endpoint and the dashboard page.</summary>
    public static IEndpointRouteBuilder MapInventoryObservability(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapInventoryMetrics().MapDashboardPage();

    /// <summary>The Prometheus scrape endpoint: anonymous, or the platform key when Observability:MetricsRequirePlatformKey.</summary>
    public static IEndpointRouteBuilder MapInventoryMetrics(this IEndpointRouteBuilder endpoints)
    {
        var settings = endpoints.ServiceProvider.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        if (!settings.MetricsEnabled)
        {
            return endpoints;
        }

        var scrape = endpoints.MapPrometheusScrapingEndpoint(settings.MetricsPath);
        if (settings.MetricsRequirePlatformKey)
        {
            scrape.RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(new PlatformRequirement()).Build());
        }
        else
        {
            scrape.AllowAnonymous();
        }

        return endpoints;
    }
}
