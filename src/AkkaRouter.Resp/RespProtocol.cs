namespace AkkaRouter.Resp;

/// <summary>Reply encoding a connection has negotiated (RESP2 until the client sends <c>HELLO 3</c>).</summary>
public enum RespProtocol
{
    /// <summary>RESP2: maps, sets and pushes become arrays; null is <c>$-1</c>; doubles and verbatim text become bulk strings.</summary>
    Resp2 = 2,

    /// <summary>RESP3: typed replies (<c>_ , # % ~ = &gt;</c>).</summary>
    Resp3 = 3,
}
