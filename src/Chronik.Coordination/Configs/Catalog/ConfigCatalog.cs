namespace Chronik.Coordination.Configs.Catalog;

/// <summary>Finds a key of each kind by name; building the indexes fails (at type load) when a name is defined twice.</summary>
public static class ConfigCatalog
{
    private static readonly Dictionary<string, ConfigKey> s_broker = Index(BrokerConfigKeys.All);
    private static readonly Dictionary<string, ConfigKey> s_topic = Index(TopicConfigKeys.All);
    private static readonly Dictionary<string, ConfigKey> s_group = Index(GroupConfigKeys.All);

    // Each broker key a topic key defaults from, with the topic key and the unit factor (log.retention.hours → retention.ms).
    private static readonly Dictionary<string, (ConfigKey Topic, long Factor)> s_topicByBrokerKey = TopicConfigKeys.All
        .SelectMany(t => t.Synonyms.Select(s => (s.Key.Name, Value: (t, s.Factor))))
        .ToDictionary(x => x.Name, x => x.Value, StringComparer.Ordinal);

    public static ConfigKey? Broker(string name) => s_broker.GetValueOrDefault(name);

    public static ConfigKey? Topic(string name) => s_topic.GetValueOrDefault(name);

    public static ConfigKey? Group(string name) => s_group.GetValueOrDefault(name);

    /// <summary>The topic key a broker key is the default of, with the factor to its unit; null when it is none's.</summary>
    public static (ConfigKey Topic, long Factor)? TopicOfBrokerKey(string brokerKey) =>
        s_topicByBrokerKey.TryGetValue(brokerKey, out var x) ? x : null;

    /// <summary>The names defined more than once in <paramref name="keys"/> (none in a sound catalog).</summary>
    public static IReadOnlyList<string> Duplicates(IEnumerable<ConfigKey> keys) =>
        keys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

    private static Dictionary<string, ConfigKey> Index(IReadOnlyList<ConfigKey> keys) =>
        Duplicates(keys) is [_, ..] twice
            ? throw new InvalidOperationException($"config keys defined twice: {string.Join(", ", twice)}")
            : keys.ToDictionary(k => k.Name, StringComparer.Ordinal);
}
