namespace Chronik.SchemaRegistry.State;

/// <summary>The schemaType names Confluent uses on the wire and in <c>_schemas</c>.</summary>
public static class SchemaTypeNames
{
    public const string Avro = "AVRO";
    public const string Json = "JSON";
    public const string Protobuf = "PROTOBUF";
}
