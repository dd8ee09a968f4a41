using Microsoft.Extensions.Logging;

namespace Chronik.Broker.Network;

/// <summary>
/// The connection's log lines, by whose fault they are: a client hanging up (even mid-request) is debug, bad input
/// from a client is a warning without a stack trace, and only the broker's own faults are errors.
/// </summary>
internal static partial class ConnectionLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Connection from {Remote} closed by the client ({Reason})")]
    public static partial void Disconnected(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug,
        Message = "Request {Correlation} (api {Api} v{Version}) from {Remote} abandoned: the client closed the connection")]
    public static partial void RequestAbandoned(ILogger logger, int correlation, string api, short version, string remote);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Closing connection from {Remote}: {Reason}")]
    public static partial void BadInput(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning,
        Message = "Request {Correlation} (api {Api} v{Version}) from {Remote} rejected; closing the connection: {Reason}")]
    public static partial void BadRequest(ILogger logger, int correlation, string api, short version, string remote, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Closing connection from {Remote} after an unexpected error")]
    public static partial void ConnectionFault(ILogger logger, string remote, Exception exception);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error,
        Message = "Request {Correlation} (api {Api} v{Version}) from {Remote} failed; closing the connection")]
    public static partial void RequestFault(ILogger logger, int correlation, string api, short version, string remote, Exception exception);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Refusing connection from {Remote}: max.connections ({Max}) reached")]
    public static partial void Refused(ILogger logger, string remote, int max);

    /// <summary>True for what a peer going away looks like from the pipe: cancellation, an abort or reset, an I/O error.</summary>
    public static bool IsDisconnect(Exception e, CancellationToken connectionClosed) =>
        e is IOException || (e is OperationCanceledException && connectionClosed.IsCancellationRequested) || e is Microsoft.AspNetCore.Connections.ConnectionAbortedException;
}
