namespace AkkaRouter.CacheService;

/// <summary>A least-recently-used set of keys with a fixed capacity (the service caches nothing but the fact).</summary>
public sealed class LruCache
{
    private readonly Dictionary<string, LinkedListNode<string>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private readonly object _gate = new();
    private int _capacity;

    public LruCache(int capacity) => _capacity = Math.Max(1, capacity);

    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    /// <summary>True on a hit (the key becomes the most recent); on a miss the key is not added.</summary>
    public bool Touch(string key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node))
                return false;
            _order.Remove(node);
            _order.AddFirst(node);
            return true;
        }
    }

    /// <summary>Adds a key fetched after a miss, evicting the least recently used beyond capacity.</summary>
    public void Add(string key)
    {
        lock (_gate)
        {
            if (_entries.ContainsKey(key))
                return;
            _entries[key] = _order.AddFirst(key);
            while (_entries.Count > _capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(last.Value);
            }
        }
    }

    /// <summary>Empties the cache and sets a new capacity (a restarted, cold instance).</summary>
    public void Reset(int capacity)
    {
        lock (_gate)
        {
            _entries.Clear();
            _order.Clear();
            _capacity = Math.Max(1, capacity);
        }
    }
}
