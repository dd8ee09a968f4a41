using Chronik.Coordination.Acls;
using Chronik.Protocol.Wire;

namespace Chronik.Broker.Handlers;

/// <summary>Wire-level rules the three ACL APIs share (Kafka's request normalization and parse-time checks).</summary>
internal static class AclWire
{
    public const string ClusterAuthorizationMessage = "Cluster authorization failed.";

    /// <summary>v0 knows only literal patterns: ANY becomes LITERAL; UNKNOWN codes or other v0 patterns fail parsing (the connection is closed).</summary>
    public static AclBindingFilter NormalizeFilter(AclBindingFilter f, short version)
    {
        if (version == 0)
        {
            if (f.PatternType == AclPatternType.Any) f = f with { PatternType = AclPatternType.Literal };
            else if (f.PatternType != AclPatternType.Literal) KafkaProtocolException.Throw("ACL filter v0 only supports literal resource pattern types");
        }
        if (!Enum.IsDefined(f.ResourceType) || !Enum.IsDefined(f.PatternType) || !Enum.IsDefined(f.Operation) || !Enum.IsDefined(f.Permission) || f.IsUnknown)
        {
            KafkaProtocolException.Throw("ACL filter contains UNKNOWN elements");
        }
        return f;
    }
}
