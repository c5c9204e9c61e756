using System.Globalization;
using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Placement;

/// <summary>One backend as a key's candidate: its place in the key's preference list (0 when it owns no keys) and what set its weight.</summary>
public sealed record Candidate(int Rank, Backend Backend, ScoreReport? Score);

/// <summary>Why a key's owner is its owner (RING.EXPLAIN, `ring explain`): the rule that decided and every candidate.</summary>
/// <param name="Key">The key explained.</param>
/// <param name="Position">The key's position on the ring (top 32 bits of its XXH3-64).</param>
/// <param name="Owner">The owner, or null on a ring without owners.</param>
/// <param name="Rule">The decision in words.</param>
/// <param name="Candidates">Backends owning keys in the key's preference order, then those that own none.</param>
public sealed record KeyExplanation(string Key, uint Position, Backend? Owner, string Rule, IReadOnlyList<Candidate> Candidates)
{
    public static KeyExplanation Of(RingSnapshot ring, BackendStateTable state, string key)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(key);
        uint position = (uint)(RingSnapshot.KeyHash(Encoding.UTF8.GetBytes(key)) >> 32);
        var preference = ring.PreferenceList(key, ring.Count);
        ScoreReport? ScoreOf(Backend b) => state.Health.TryGetValue(b.Id, out var report) ? report.Score : null;
        var candidates = preference.Select((b, i) => new Candidate(i + 1, b, ScoreOf(b)))
            .Concat(ring.Backends.Where(b => !b.OwnsKeys).Select(b => new Candidate(0, b, ScoreOf(b))))
            .ToList();
        var owner = preference.Count > 0 ? preference[0] : null;
        return new KeyExplanation(key, position, owner, Describe(ring, owner, candidates), candidates);
    }

    private static string Describe(RingSnapshot ring, Backend? owner, List<Candidate> candidates)
    {
        if (owner is null)
            return ring.IsEmpty ? "no backends in ring" : "no backend owns keys: every backend is unhealthy or draining";
        var rule = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"owner {owner.Id}: the nearest point to the key among the {ring.OwnerCount} backends that own keys"));
        if (owner.State == BackendState.Warming)
            rule.Append(CultureInfo.InvariantCulture, $"; it is warming at {owner.Weight / Math.Max(owner.ConfiguredWeight, double.Epsilon):P0} of its weight");
        else if (owner.Weight < owner.ConfiguredWeight)
            rule.Append(CultureInfo.InvariantCulture, $"; its state-aware weight is {owner.Weight.ToString("0.###", CultureInfo.InvariantCulture)} of {owner.ConfiguredWeight.ToString("0.###", CultureInfo.InvariantCulture)}");
        var excluded = candidates.Where(c => c.Rank == 0).Select(c => $"{c.Backend.Id} ({c.Backend.State.Name()}{(c.Backend.Reason.Length > 0 ? ": " + c.Backend.Reason : "")})").ToList();
        if (excluded.Count > 0)
            rule.Append("; excluded: ").AppendJoin(", ", excluded);
        return rule.ToString();
    }
}
