namespace AkkaRouter.Resp;

/// <summary>Outcome of one <see cref="RespParser.TryParse"/> call.</summary>
public enum RespParseStatus
{
    /// <summary>A whole command was parsed into the <see cref="RespCommand"/>.</summary>
    Complete,

    /// <summary>The buffer ends inside a command: keep the unconsumed bytes and call again when more arrive.</summary>
    Incomplete,

    /// <summary>The stream violates the protocol; <see cref="RespCommand.Error"/> says how to answer.</summary>
    Error,
}
