using Microsoft.AspNetCore.Authentication;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Features.OAuth;
using Smackdab.Inventory.Domain.Features.SigningKeys;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>Registers API key and bearer token authentication, the OAuth server's services, their options and Swagger parts.</summary>
public static class AuthSetup
{
    /// <summary>The default scheme: forwards to Bearer when an <c>Authorization: Bearer</c> header is present, else to ApiKey.</summary>
    public const string CredentialScheme = "Credential";

    public static IServiceCollection AddInventoryAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JwtOptions>().Bind(configuration.GetSection(JwtOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.KeyRotationPeriod > o.AccessTokenLifetime,
                "Jwt:KeyRotationHours must be longer than Jwt:AccessTokenLifetimeSeconds, so that the previous key covers every unexpired token")
            .Validate(o => KeyEncryption.IsValid(o.KeyEncryptionKey), "Jwt:KeyEncryptionKey must be 32 bytes in base64 (openssl rand -base64 32)")
            .ValidateOnStart();
        services.AddOptions<OAuthOptions>().Bind(configuration.GetSection(OAuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthFailureLimitOptions>().Bind(configuration.GetSection(AuthFailureLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(sp => KeyEncryption.CreateProtector(
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<JwtOptions>>().Value, sp.GetRequiredService<ILogger<SigningKeyCache>>()));
        services.AddSingleton<SigningKeyCache>();
        services.AddSingleton<AccessTokenService>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddHostedService<AuthMaintenanceService>();

        services.AddAuthentication(CredentialScheme)
            .AddPolicyScheme(CredentialScheme, "API key or bearer token", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerTokenAuthenticationHandler.SchemeName
                    : StreamTicketAuthenticationHandler.Presents(context)
                        ? StreamTicketAuthenticationHandler.SchemeName
                        : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenAuthenticationHandler>(BearerTokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, StreamTicketAuthenticationHandler>(StreamTicketAuthenticationHandler.SchemeName, null);

        // After AddInventorySwagger's own configuration, so that these filters run after the standard one.
        services.PostConfigure<SwaggerGenOptions>(AuthSwagger.Configure);
        return services;
    }
}
