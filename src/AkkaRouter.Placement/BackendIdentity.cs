namespace AkkaRouter.Placement;

/// <summary>A backend as its source names it: a backend member's advertisement, a static entry, a discovered record.</summary>
/// <param name="Id">Ring identity.</param>
/// <param name="Endpoint">Where its keys' requests go.</param>
/// <param name="Zone">Its zone.</param>
/// <param name="Weight">Its configured weight.</param>
/// <param name="Writer">Whose health reports count: a backend member's incarnation (so an entry left by a previous
/// incarnation is never taken for the new one's verdict), or null for backends the health singleton checks.</param>
/// <param name="HealthChecked">False when nothing checks this backend: it is up without a report.</param>
/// <param name="Service">The service whose ring it is on.</param>
/// <param name="Srv">The SRV record it was discovered from: its priority group decides whether it serves, its weight is
/// its configured weight (see <see cref="Discovery.SrvSelection"/>); null for members and static backends.</param>
/// <param name="Note">What its source says about it (a discovery lookup that failed and kept the last good set): its
/// reason while nothing else explains its state.</param>
public sealed record BackendIdentity(string Id, string Endpoint, string Zone, double Weight, string? Writer, bool HealthChecked,
    string Service = "default", Discovery.SrvRecord? Srv = null, string Note = "");
