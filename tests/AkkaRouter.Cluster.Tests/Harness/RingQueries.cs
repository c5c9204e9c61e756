using AkkaRouter.Tests.Support;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>Cluster-level queries over the RESP client the node tests use (linked from AkkaRouter.Tests).</summary>
public static class RingQueries
{
    /// <summary>Owners of <paramref name="keys"/>: MGETs of <paramref name="batch"/> keys, all sent before the first reply is read.</summary>
    public static async Task<string[]> Owners(this RawRespClient client, IReadOnlyList<string> keys, int batch = 1000)
    {
        var frames = new List<byte>();
        var batches = 0;
        for (var i = 0; i < keys.Count; i += batch, batches++)
            frames.AddRange(RawRespClient.Encode(["MGET", .. keys.Skip(i).Take(batch)]));
        await client.Send(frames.ToArray());
        var owners = new List<string>(keys.Count);
        for (var b = 0; b < batches; b++)
        {
            var reply = await client.ReadReply();
            if (reply is not object?[] items)
                throw new InvalidDataException($"MGET answered {reply ?? "(nil)"}");
            owners.AddRange(items.Select(o => o as string ?? throw new InvalidDataException($"MGET item {o ?? "(nil)"}")));
        }
        return owners.ToArray();
    }

    /// <summary>RING.INFO as a field → value map.</summary>
    public static async Task<Dictionary<string, string>> RingInfo(this RawRespClient client)
    {
        var reply = await client.Command("RING.INFO");
        if (reply is not object?[] items)
            throw new InvalidDataException($"RING.INFO answered {reply ?? "(nil)"}");
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
            info[Convert.ToString(items[i])!] = Convert.ToString(items[i + 1], System.Globalization.CultureInfo.InvariantCulture)!;
        return info;
    }
}
