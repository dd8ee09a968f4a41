namespace Chronik.SchemaRegistry.Registry;

/// <summary>Confluent Schema Registry's error codes and messages.</summary>
internal static class RegistryErrors
{
    public static RegistryException SubjectNotFound(string s) => new(40401, $"Subject '{s}' not found.");
    public static RegistryException VersionNotFound(string s, int v) => new(40402, $"Version {v} not found.");
    public static RegistryException SchemaNotFound() => new(40403, "Schema not found");
    public static RegistryException SchemaIdNotFound(int id) => new(40403, $"Schema {id} not found");
    public static RegistryException SubjectSoftDeleted(string s) =>
        new(40404, $"Subject '{s}' was soft deleted.Set permanent=true to delete permanently");
    public static RegistryException SubjectNotSoftDeleted(string s) =>
        new(40405, $"Subject '{s}' was not deleted first before being permanently deleted");
    public static RegistryException VersionSoftDeleted(string s, int v) =>
        new(40406, $"Subject '{s}' Version {v} was soft deleted.Set permanent=true to delete permanently");
    public static RegistryException VersionNotSoftDeleted(string s, int v) =>
        new(40407, $"Subject '{s}' Version {v} was not deleted first before being permanently deleted");
    public static RegistryException SubjectConfigNotFound(string s) =>
        new(40408, $"Subject '{s}' does not have subject-level compatibility configured");
    public static RegistryException SubjectModeNotFound(string s) =>
        new(40409, $"Subject '{s}' does not have subject-level mode configured");
    public static RegistryException Incompatible(string message) => new(409, message);
    public static RegistryException InvalidSchema(string message) => new(42201, message);
    public static RegistryException InvalidVersion(string v) =>
        new(42202, $"The specified version '{v}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    public static RegistryException InvalidCompatibility(string? level) =>
        new(42203, $"Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive (was {level})");
    public static RegistryException InvalidMode(string? mode) =>
        new(42204, $"Invalid mode. Valid values are READWRITE, READONLY, IMPORT (was {mode})");
    public static RegistryException NotPermitted(string message) => new(42205, message);
    public static RegistryException ReferenceExists(string message) => new(42206, message);
    public static RegistryException BadRequest(string message) => new(400, message);
    public static RegistryException StoreError(string message) => new(50001, message);
}
