using System.Net.Sockets;

namespace AkkaRouter.Http.Upstream;

/// <summary>
/// One keep-alive HTTP/1.1 connection to a backend: its socket, a receive buffer holding what arrived and was not used
/// yet, a buffer for request heads, and the deadline the sweep enforces. One request at a time (no pipelining).
/// </summary>
internal sealed class UpstreamConnection
{
    // Lifecycle: Busy while a request owns it, Idle on its pool's stack, Dead once closed.
    private const int Busy = 0, Idle = 1, Dead = 2;

    /// <summary>Why the connection was cut under a request (<see cref="AbortReason"/>).</summary>
    public const int NotAborted = 0, TimedOut = 1, ClientGone = 2, Closed = 3;

    /// <summary>Receive buffer to start with; a response head may grow it to <see cref="MaxHeadBytes"/>.</summary>
    private const int ReceiveBytes = 16 * 1024;

    /// <summary>Largest response head accepted (SocketsHttpHandler's default MaxResponseHeadersLength: 64 KiB).</summary>
    public const int MaxHeadBytes = 64 * 1024;

    private readonly UpstreamPool _pool;
    private int _state;
    private int _abort;
    private long _deadline;
    private long _idleSince;

    public UpstreamConnection(Socket socket, UpstreamPool pool)
    {
        Socket = socket;
        _pool = pool;
    }

    public Socket Socket { get; }

    public UpstreamPool Pool => _pool;

    // The last value seen per common header name: a backend repeats most of its headers byte for byte (Content-Type,
    // Server, and Date for a second), and the same bytes give the same string instead of a new one.
    private readonly Dictionary<string, string> _values = new(ReferenceEqualityComparer.Instance);

    // The previous response's header names by position: a backend sends the same names in the same order, and a name
    // that matches byte for byte skips the name lookups (Name null: a header that is not passed on; Repeat: the name came
    // earlier in the same response, so its value is appended rather than set).
    private readonly (byte[] Raw, string? Name, bool Known, bool Repeat)[] _names = new (byte[], string?, bool, bool)[16];

    /// <summary>How header name <paramref name="raw"/> at <paramref name="index"/> was resolved last time, if the previous response had it there.</summary>
    public bool TryName(int index, ReadOnlySpan<byte> raw, out (byte[] Raw, string? Name, bool Known, bool Repeat) resolved)
    {
        if (index < _names.Length && _names[index].Raw is { } previous && raw.SequenceEqual(previous))
        {
            resolved = _names[index];
            return true;
        }
        resolved = default;
        return false;
    }

    /// <summary>Remembers how the name at <paramref name="index"/> resolved; positions before it hold this response's names.</summary>
    public (byte[] Raw, string? Name, bool Known, bool Repeat) RememberName(int index, ReadOnlySpan<byte> raw, string? name, bool known)
    {
        var repeat = index >= _names.Length;
        for (var i = 0; i < index && i < _names.Length && !repeat; i++)
            repeat = name is not null && string.Equals(_names[i].Name, name, StringComparison.OrdinalIgnoreCase);
        var resolved = (raw.ToArray(), name, known, repeat);
        if (index < _names.Length)
            _names[index] = resolved;
        return resolved;
    }

    /// <summary>The value of header <paramref name="name"/> as a string, the previous response's one when the bytes are equal.</summary>
    public string Value(string name, ReadOnlySpan<byte> value, bool remember)
    {
        if (_values.TryGetValue(name, out var last) && Latin1.Same(last, value))
            return last;
        var text = System.Text.Encoding.Latin1.GetString(value);
        if (remember && _values.Count < 64)
            _values[name] = text;
        return text;
    }

    /// <summary>Bytes received and not used yet are <c>Received[Start..End]</c>.</summary>
    public byte[] Received = new byte[ReceiveBytes];
    public int Start;
    public int End;

    /// <summary>Where request heads are written; replaced by a larger array when a head does not fit.</summary>
    public byte[] HeadBuffer = new byte[4096];

    public int AbortReason => Volatile.Read(ref _abort);

    /// <summary>From now until <paramref name="milliseconds"/> from now the backend must send something.</summary>
    public void Arm(long milliseconds) => Volatile.Write(ref _deadline, Environment.TickCount64 + milliseconds);

    /// <summary>No deadline: waiting on the client, not on the backend.</summary>
    public void Disarm() => Volatile.Write(ref _deadline, 0);

    public bool TryTakeFromPool() => Interlocked.CompareExchange(ref _state, Busy, Idle) == Idle;

    /// <summary>The request's abort token (HttpContext.RequestAborted), which the sweep watches while a request uses the connection.</summary>
    public CancellationToken Client;

    public void MarkIdle()
    {
        Disarm();
        Client = default;
        _idleSince = Environment.TickCount64;
        Volatile.Write(ref _state, Idle);
    }

    /// <summary>Moves the unread bytes to the front of the buffer, growing it up to <paramref name="capacity"/> when full.</summary>
    public bool MakeRoom(int capacity)
    {
        if (Start > 0)
        {
            Received.AsSpan(Start, End - Start).CopyTo(Received);
            End -= Start;
            Start = 0;
        }
        if (End < Received.Length)
            return true;
        if (Received.Length >= capacity)
            return false;
        Array.Resize(ref Received, Math.Min(capacity, Received.Length * 2));
        return true;
    }

    public void Sweep(long now, long idleSince)
    {
        var state = Volatile.Read(ref _state);
        if (state == Busy)
        {
            var deadline = Volatile.Read(ref _deadline);
            if (Client.IsCancellationRequested)
                Abort(ClientGone);
            else if (deadline != 0 && now >= deadline)
                Abort(TimedOut);
        }
        else if (state == Idle && _idleSince < idleSince && Interlocked.CompareExchange(ref _state, Dead, Idle) == Idle)
        {
            Close();
        }
    }

    /// <summary>Cuts the connection under the request using it: its pending receive or send fails at once.</summary>
    public void Abort(int reason)
    {
        Interlocked.CompareExchange(ref _abort, reason, NotAborted);
        Socket.Dispose();
    }

    /// <summary>Closes the connection for good.</summary>
    public void Close()
    {
        Volatile.Write(ref _state, Dead);
        Socket.Dispose();
        _pool.Forget(this);
    }
}
