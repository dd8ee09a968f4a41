using Chronik.Broker.Security;
using Chronik.Coordination.Acls;

namespace Chronik.SchemaRegistry.Security;

/// <summary>
/// The registry's access rules over the broker's ACLs (off, so everything allowed, unless authorizer.class.name is set).
/// A subject is guarded by its topic, by Confluent's TopicNameStrategy: "orders-value" and "orders-key" are topic
/// "orders"; any other subject (RecordNameStrategy's "com.example.User", say) is guarded by a topic resource of its own
/// name, so a prefixed or literal topic ACL can grant it. Reads need READ, writes (register, compatibility test,
/// delete) WRITE; config and mode changes need a super user; global reads need only an authenticated caller.
/// </summary>
internal sealed class RegistryAuthorizer(AclRequestAuthorizer acls)
{
    /// <summary>The topic whose ACLs guard <paramref name="subject"/>.</summary>
    public static string TopicOf(string subject)
    {
        if (subject.EndsWith("-value", StringComparison.Ordinal) && subject.Length > 6) return subject[..^6];
        if (subject.EndsWith("-key", StringComparison.Ordinal) && subject.Length > 4) return subject[..^4];
        return subject;
    }

    public bool Enabled => acls.Enabled;

    public bool MaySubject(RegistryCaller caller, AclOperation op, string subject) =>
        acls.Authorize(caller.Principal, caller.Host, op, AclResourceType.Topic, TopicOf(subject));

    public bool IsSuperUser(RegistryCaller caller) => !acls.Enabled || acls.IsSuperUser(caller.Principal);

    /// <summary>Confluent's 40301 answer for a denied operation.</summary>
    public static string DeniedMessage(RegistryCaller caller, string what) => $"User {caller.Principal} is denied operation {what}";
}
