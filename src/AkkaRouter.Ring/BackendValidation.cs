namespace AkkaRouter.Ring;

/// <summary>Checks a desired backend set and returns it in canonical order (by id, ordinal), with messages that name the culprit.</summary>
internal static class BackendValidation
{
    public static Backend[] ValidateAndSort(IEnumerable<Backend> backends, string paramName)
    {
        ArgumentNullException.ThrowIfNull(backends, paramName);
        var list = new List<Backend>();
        foreach (Backend? backend in backends)
        {
            if (backend is null)
            {
                throw new ArgumentException($"Backend #{list.Count} is null.", paramName);
            }

            ValidateOne(backend, paramName);
            list.Add(backend);
        }

        if (list.Count > RingSnapshot.MaxBackends)
        {
            throw new ArgumentException(
                $"{list.Count} backends given; a ring holds at most {RingSnapshot.MaxBackends} (slots are 16-bit).", paramName);
        }

        Backend[] sorted = list.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        for (int i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(sorted[i - 1].Id, sorted[i].Id, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Duplicate backend id '{sorted[i].Id}' (endpoints '{sorted[i - 1].Endpoint}' and '{sorted[i].Endpoint}'); ids must be unique.",
                    paramName);
            }
        }

        long totalPoints = 0;
        foreach (Backend backend in sorted)
        {
            totalPoints += RingSnapshot.PointsFor(backend.Weight);
        }

        if (totalPoints > RingSnapshot.MaxPointCount)
        {
            throw new ArgumentException(
                $"The backends' weights add up to {totalPoints} points; a ring holds at most {RingSnapshot.MaxPointCount}.", paramName);
        }

        return sorted;
    }

    private static void ValidateOne(Backend backend, string paramName)
    {
        if (backend.Id.Length == 0)
        {
            throw new ArgumentException($"Backend with endpoint '{backend.Endpoint}' has an empty id.", paramName);
        }

        if (backend.Endpoint.Length == 0)
        {
            throw new ArgumentException($"Backend '{backend.Id}' has an empty endpoint.", paramName);
        }

        if (!IsValidWeight(backend.Weight))
        {
            throw new ArgumentException(
                $"Backend '{backend.Id}' has weight {backend.Weight}; a weight must be a number from 0 to {RingSnapshot.MaxWeight}.",
                paramName);
        }

        if (!IsValidWeight(backend.ConfiguredWeight))
        {
            throw new ArgumentException(
                $"Backend '{backend.Id}' has configured weight {backend.ConfiguredWeight}; a weight must be a number from 0 to {RingSnapshot.MaxWeight}.",
                paramName);
        }
    }

    public static bool IsValidWeight(double weight) => weight >= 0 && weight <= RingSnapshot.MaxWeight;
}
