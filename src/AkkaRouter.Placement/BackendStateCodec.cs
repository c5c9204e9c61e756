using System.Buffers.Binary;
using System.Text;

namespace AkkaRouter.Placement;

/// <summary>
/// The wire format of <see cref="BackendStateTable"/>, shared by every node: a format byte, then the health entries
/// and the overrides, each a count followed by its entries. Integers are little-endian, strings length-prefixed UTF-8.
/// Format 2 adds each health entry's score (a presence byte, then health, cache hit rate (NaN = none), zone cost,
/// score and factor as doubles); format 1 is still read. Format 3 adds the discovered sets after the overrides (source,
/// version, writer, note, resolution time, then per backend id, endpoint, service, zone, SRV target, port, priority and
/// weight); it is written only when there are discovered sets, so a cluster without discovery stays readable by
/// routers that know format 2 only.
/// </summary>
/// <remarks>
/// Entries a reader does not understand (a newer status, a bad weight) are skipped one by one with a warning, so a
/// router never stops on state written by another version; a frame that cannot be read at all is refused whole.
/// </remarks>
public static class BackendStateCodec
{
    /// <summary>The format this build writes.</summary>
    public const byte Format = 3;

    public static byte[] Write(BackendStateTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var output = new Writer();
        output.Byte(table.Discovered.Count > 0 ? Format : (byte)2);
        output.Int32(table.Health.Count);
        foreach (var (id, h) in table.Health)
        {
            output.String(id);
            output.Byte((byte)h.Status);
            output.Double(h.WeightFactor);
            output.String(h.Reason);
            output.Int64(h.SinceUnixMs);
            output.Version(h.Version);
            output.String(h.Writer);
            output.Byte(h.Score is null ? (byte)0 : (byte)1);
            if (h.Score is { } score)
            {
                output.Double(score.Inputs.Health);
                output.Double(score.Inputs.CacheHitRate ?? double.NaN);
                output.Double(score.Inputs.ZoneCost);
                output.Double(score.Value);
                output.Double(score.Factor);
            }
        }
        output.Int32(table.Overrides.Count);
        foreach (var (id, o) in table.Overrides)
        {
            output.String(id);
            output.Byte((byte)((o.Drained ? 1 : 0) | (o.Weight.HasValue ? 2 : 0)));
            output.Double(o.Weight ?? 0);
            output.String(o.Reason);
            output.Version(o.Version);
            output.String(o.Writer);
        }
        if (table.Discovered.Count == 0)
            return output.ToArray();
        output.Int32(table.Discovered.Count);
        foreach (var (source, set) in table.Discovered)
        {
            output.String(source);
            output.Version(set.Version);
            output.String(set.Writer);
            output.String(set.Note);
            output.Int64(set.ResolvedUnixMs);
            output.Int32(set.Backends.Count);
            foreach (var b in set.Backends)
            {
                output.String(b.Id);
                output.String(b.Endpoint);
                output.String(b.Service);
                output.String(b.Zone);
                output.String(b.Srv.Target);
                output.Int32(b.Srv.Port);
                output.Int32(b.Srv.Priority);
                output.Int32(b.Srv.Weight);
            }
        }
        return output.ToArray();
    }

    /// <summary>Reads a table; entries that cannot be used are skipped and named in <paramref name="skipped"/>.</summary>
    /// <exception cref="FormatException">The frame is truncated or of an unknown format.</exception>
    public static BackendStateTable Read(ReadOnlySpan<byte> bytes, ICollection<string>? skipped = null)
    {
        var input = new Reader(bytes);
        byte format = input.Byte();
        if (format is not (1 or 2 or Format))
            throw new FormatException($"backend state format {format} is unknown (this build reads formats 1 to {Format})");
        var table = BackendStateTable.Empty;
        int healthCount = input.Count();
        for (int i = 0; i < healthCount; i++)
        {
            string id = input.String();
            byte status = input.Byte();
            double factor = input.Double();
            string reason = input.String();
            long since = input.Int64();
            var version = input.Version();
            string writer = input.String();
            ScoreReport? score = format >= 2 ? ReadScore(ref input) : null;
            if (status > (byte)HealthStatus.Unhealthy || !double.IsFinite(factor) || factor < 0 || factor > 1 || id.Length == 0)
            {
                skipped?.Add($"health entry '{id}' (status {status}, weight factor {factor})");
                continue;
            }
            table = table.WithHealth(id, new HealthReport((HealthStatus)status, factor, reason, since, version, writer, score));
        }
        int overrideCount = input.Count();
        for (int i = 0; i < overrideCount; i++)
        {
            string id = input.String();
            byte flags = input.Byte();
            double weight = input.Double();
            string reason = input.String();
            var version = input.Version();
            string writer = input.String();
            bool hasWeight = (flags & 2) != 0;
            if (flags > 3 || id.Length == 0
                || (hasWeight && (!double.IsFinite(weight) || weight < 0 || weight > Ring.RingSnapshot.MaxWeight)))
            {
                skipped?.Add($"override '{id}' (flags {flags}, weight {weight})");
                continue;
            }
            table = table.WithOverride(id, new OperatorOverride((flags & 1) != 0, hasWeight ? weight : null, reason, version, writer));
        }
        if (format >= 3)
            table = ReadDiscovered(ref input, table, skipped);
        if (!input.AtEnd)
            throw new FormatException("backend state has trailing bytes");
        return table;
    }

    private static BackendStateTable ReadDiscovered(ref Reader input, BackendStateTable table, ICollection<string>? skipped)
    {
        int sets = input.Count();
        for (int i = 0; i < sets; i++)
        {
            string source = input.String();
            var version = input.Version();
            string writer = input.String();
            string note = input.String();
            long resolved = input.Int64();
            int count = input.Count();
            var backends = new List<Discovery.DiscoveredBackend>(count);
            bool usable = source.Length > 0;
            for (int j = 0; j < count; j++)
            {
                string id = input.String(), endpoint = input.String(), service = input.String(), zone = input.String(), target = input.String();
                int port = input.Int32(), priority = input.Int32(), weight = input.Int32();
                if (id.Length == 0 || endpoint.Length == 0 || service.Length == 0 || port is < 1 or > 65535 || priority is < 0 or > 65535 || weight is < 0 or > 65535)
                    usable = false;
                backends.Add(new Discovery.DiscoveredBackend(id, endpoint, service, zone, new Discovery.SrvRecord(target, port, priority, weight)));
            }
            // A set is used whole or not at all: half a set would move keys no other router moves.
            if (!usable)
            {
                skipped?.Add($"discovered set '{source}' ({count} backends)");
                continue;
            }
            table = table.WithDiscovered(source, new Discovery.DiscoveredSet(backends, note, resolved, version, writer));
        }
        return table;
    }

    // A score whose numbers cannot be shown is dropped; the entry itself stays (its weight factor is what places it).
    private static ScoreReport? ReadScore(ref Reader input)
    {
        byte present = input.Byte();
        if (present == 0)
            return null;
        double health = input.Double(), hitRate = input.Double(), zoneCost = input.Double(), value = input.Double(), factor = input.Double();
        bool valid = present == 1 && double.IsFinite(health) && (double.IsNaN(hitRate) || double.IsFinite(hitRate))
            && double.IsFinite(zoneCost) && double.IsFinite(value) && double.IsFinite(factor);
        return valid ? new ScoreReport(new ScoreInputs(health, double.IsNaN(hitRate) ? null : hitRate, zoneCost), value, factor) : null;
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();
        private readonly byte[] _number = new byte[8];

        public void Byte(byte value) => _stream.WriteByte(value);

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_number, value);
            _stream.Write(_number, 0, 4);
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_number, value);
            _stream.Write(_number, 0, 8);
        }

        public void Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));

        public void Version(StateVersion version)
        {
            Int64(version.Epoch);
            Int64(version.Sequence);
        }

        public void String(string value)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(value);
            Int32(utf8.Length);
            _stream.Write(utf8);
        }

        public byte[] ToArray() => _stream.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> _rest = bytes;

        public readonly bool AtEnd => _rest.IsEmpty;

        public byte Byte() => Take(1)[0];

        public int Count()
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
            // Every entry takes more than 8 bytes: a larger count is a damaged frame, not a reason to allocate.
            return count >= 0 && count <= _rest.Length / 8 ? count : throw new FormatException($"backend state entry count {count} is impossible");
        }

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public double Double() => BitConverter.Int64BitsToDouble(Int64());

        public StateVersion Version() => new(Int64(), Int64());

        public string String()
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
            if (length < 0 || length > _rest.Length)
                throw new FormatException($"backend state string of {length} bytes is longer than the frame");
            return Encoding.UTF8.GetString(Take(length));
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _rest.Length)
                throw new FormatException("backend state is truncated");
            var taken = _rest[..count];
            _rest = _rest[count..];
            return taken;
        }
    }
}
