namespace Chronik.Coordination.Configs.Catalog;

/// <summary>Kafka's ConfigDef types, numbered as DescribeConfigs (v3+) reports them in ConfigType.</summary>
public enum ConfigType : sbyte
{
    Boolean = 1,
    String = 2,
    Int = 3,
    Short = 4,
    Long = 5,
    Double = 6,
    List = 7,
    Class = 8,
    Password = 9,
}
