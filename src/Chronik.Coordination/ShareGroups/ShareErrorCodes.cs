using Chronik.Protocol.Messages;

namespace Chronik.Coordination.ShareGroups;

/// <summary>
/// Kafka's error codes that share groups use and that are 119 or above, by their numbers in Kafka's
/// Errors.java (the 4.0-era ErrorCode enum numbers that range differently, so these are spelled out).
/// </summary>
public static class ShareErrorCodes
{
    public const ErrorCode InvalidRecordState = (ErrorCode)121;
    public const ErrorCode ShareSessionNotFound = (ErrorCode)122;
    public const ErrorCode InvalidShareSessionEpoch = (ErrorCode)123;
    public const ErrorCode FencedStateEpoch = (ErrorCode)124;
    public const ErrorCode ShareSessionLimitReached = (ErrorCode)133;
}
