namespace AkkaRouter.Ring;

/// <summary>Turns a snapshot into the one for a desired backend set by diffing the sets and editing only the changed backends' points.</summary>
internal static class RingUpdate
{
    public static RingSnapshot Apply(RingSnapshot current, Backend[] desiredById, ulong configuration)
    {
        Dictionary<string, int> oldSlots = current.SlotById;
        var removed = new List<(Backend Old, int Slot)>();
        var reweighted = new List<(Backend Old, Backend New, int Slot)>();
        var added = new List<Backend>();
        bool metadataChanged = configuration != current.Configuration;
        long touchedPoints = 0;

        var desiredIds = new HashSet<string>(desiredById.Length, StringComparer.Ordinal);
        foreach (Backend backend in desiredById)
        {
            desiredIds.Add(backend.Id);
            if (!oldSlots.TryGetValue(backend.Id, out int slot))
            {
                added.Add(backend);
                touchedPoints += RingSnapshot.PointsFor(backend.Weight);
                continue;
            }

            Backend old = current.BySlot[slot]!;
            if (old.Equals(backend))
            {
                continue;
            }

            int oldPoints = RingSnapshot.PointsFor(old.Weight);
            int newPoints = RingSnapshot.PointsFor(backend.Weight);
            if (oldPoints != newPoints)
            {
                reweighted.Add((old, backend, slot));
                touchedPoints += oldPoints + newPoints;
            }
            else
            {
                metadataChanged = true;
            }
        }

        foreach (Backend old in current.ById)
        {
            if (!desiredIds.Contains(old.Id))
            {
                removed.Add((old, oldSlots[old.Id]));
                touchedPoints += RingSnapshot.PointsFor(old.Weight);
            }
        }

        if (removed.Count == 0 && reweighted.Count == 0 && added.Count == 0 && !metadataChanged)
        {
            return current;
        }

        // When most points change, editing bucket by bucket costs more than the radix build; the result is the same ring.
        if (touchedPoints * 2 > current.PointCount)
        {
            return RingSnapshot.FromSorted(desiredById, current.Version + 1, configuration);
        }

        return Edit(current, desiredById, removed, reweighted, added, configuration);
    }

    private static RingSnapshot Edit(
        RingSnapshot current,
        Backend[] desiredById,
        List<(Backend Old, int Slot)> removed,
        List<(Backend Old, Backend New, int Slot)> reweighted,
        List<Backend> added,
        ulong configuration)
    {
        int slotCount = Math.Max(current.BySlot.Length, desiredById.Length);
        var bySlot = new Backend?[slotCount];
        Array.Copy(current.BySlot, bySlot, current.BySlot.Length);
        var editor = new PointTableEditor(current.Table, bySlot);

        // Removals first: they only filter by slot, and free slots for the additions.
        foreach (var (old, slot) in removed)
        {
            editor.Remove(old, slot, RingSnapshot.PointsFor(old.Weight));
            bySlot[slot] = null;
        }

        foreach (var (old, _, slot) in reweighted)
        {
            editor.Remove(old, slot, RingSnapshot.PointsFor(old.Weight));
        }

        // Every surviving slot now holds its desired backend, so merges order equal positions by the right ids.
        var slotById = new Dictionary<string, int>(desiredById.Length, StringComparer.Ordinal);
        foreach (Backend backend in desiredById)
        {
            if (current.SlotById.TryGetValue(backend.Id, out int slot))
            {
                bySlot[slot] = backend;
                slotById[backend.Id] = slot;
            }
        }

        int freeCursor = 0;
        foreach (Backend backend in added)
        {
            while (bySlot[freeCursor] is not null)
            {
                freeCursor++;
            }

            bySlot[freeCursor] = backend;
            slotById[backend.Id] = freeCursor;
        }

        foreach (var (_, updated, slot) in reweighted)
        {
            editor.Add(updated, slot, RingSnapshot.PointsFor(updated.Weight));
        }

        foreach (Backend backend in added)
        {
            editor.Add(backend, slotById[backend.Id], RingSnapshot.PointsFor(backend.Weight));
        }

        return new RingSnapshot(bySlot, desiredById, slotById, editor.ToTable(), current.Version + 1, configuration);
    }
}
