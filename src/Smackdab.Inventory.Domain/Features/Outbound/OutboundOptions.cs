namespace Smackdab.Inventory.Domain.Features.Outbound;

/// <summary>
/// The one switch every outbound feature (webhooks, connectors, their token endpoints) reads through
/// <see cref="OutboundUrlGuard"/>. It keeps its historical key, <c>Webhooks:AllowPrivateTargets</c>, so that one setting
/// governs every outbound call; see docs/configuration.md.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Webhooks";

    /// <summary>Lets outbound calls reach private, loopback and link-local addresses (and http on loopback). Local testing only.</summary>
    public bool AllowPrivateTargets { get; set; }

    public OutboundPolicy Policy => AllowPrivateTargets ? new OutboundPolicy(true) : OutboundPolicy.PublicOnly;
}
