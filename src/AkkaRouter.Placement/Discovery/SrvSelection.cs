namespace AkkaRouter.Placement.Discovery;

/// <summary>One SRV record (RFC 2782): the target host and port of an instance, its priority and weight.</summary>
public sealed record SrvRecord(string Target, int Port, int Priority, int Weight)
{
    public string Endpoint => $"{Target.TrimEnd('.')}:{Port}";
}

/// <summary>How one record's backend is placed: its ring weight, and whether its priority group serves.</summary>
public readonly record struct SrvPlacement(double RingWeight, bool Serving, string Reason);

/// <summary>
/// RFC 2782 for a ring: the records of the lowest priority group that has a healthy backend serve
/// (own keys); a higher group serves only while no lower one can. Within a group the SRV weight is
/// the ring weight, scaled so that the group's largest weight is 1 (only the ratios matter: 30 and
/// 20 give 3:2). A group whose weights are all 0 has equal weights. A weight-0 record in a group with
/// weighted ones gets no keys (RFC 2782: "a very small chance"), unless it is the group's only
/// healthy records: then the healthy ones share equally.
/// </summary>
public static class SrvSelection
{
    /// <summary>One placement per record, in the records' order; <paramref name="healthy"/> says which records' backends pass their checks.</summary>
    public static SrvPlacement[] Place(IReadOnlyList<SrvRecord> records, Func<int, bool> healthy)
    {
        var result = new SrvPlacement[records.Count];
        if (records.Count == 0)
            return result;
        var priorities = records.Select(r => r.Priority).Distinct().Order().ToArray();
        var serving = priorities.FirstOrDefault(p => Enumerable.Range(0, records.Count).Any(i => records[i].Priority == p && healthy(i)), priorities[0]);
        foreach (var priority in priorities)
        {
            var group = Enumerable.Range(0, records.Count).Where(i => records[i].Priority == priority).ToArray();
            var max = group.Max(i => records[i].Weight);
            var healthyWeighted = group.Any(i => healthy(i) && records[i].Weight > 0);
            foreach (var i in group)
            {
                double weight;
                if (max == 0)
                    weight = 1;
                else if (records[i].Weight == 0)
                    weight = healthyWeighted ? 0 : 1;
                else
                    weight = (double)records[i].Weight / max;
                var reason = priority == serving
                    ? $"srv priority {priority} weight {records[i].Weight}"
                    : priority > serving
                        ? $"standby: srv priority {priority}, priority {serving} has healthy backends"
                        : $"srv priority {priority} weight {records[i].Weight}, no healthy backend";
                result[i] = new SrvPlacement(weight, priority == serving, reason);
            }
        }
        return result;
    }
}
