namespace Chronik.Storage.Objects.Tests;

/// <summary>Every class here runs in this collection, one test at a time, so a test's allocation count is its own (the large-object test measures it).</summary>
[CollectionDefinition(Name)]
public sealed class ObjectStoreCollection
{
    public const string Name = "object stores";
}
