using System.Diagnostics.Metrics;

namespace AkkaRouter.Http;

/// <summary>
/// Counts the connections the edge's Kestrel closed at once because akka-router.http.limits.max-connections were open,
/// from Kestrel's own <c>kestrel.rejected_connections</c> instrument.
/// </summary>
/// <remarks>
/// Only the edge's server is listened to: its meters are scoped to its own meter factory, so other Kestrel servers in
/// the process (management HTTP, other nodes of a test) are not counted.
/// </remarks>
public static class RejectedConnections
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string Instrument = "kestrel.rejected_connections";

    /// <summary>Calls <paramref name="rejected"/> once per rejected connection until the returned listener is disposed.</summary>
    public static IDisposable Count(IMeterFactory scope, Action rejected)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KestrelMeter && instrument.Name == Instrument && ReferenceEquals(instrument.Meter.Scope, scope))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            for (var i = 0; i < value; i++)
                rejected();
        });
        listener.Start();
        return listener;
    }
}
