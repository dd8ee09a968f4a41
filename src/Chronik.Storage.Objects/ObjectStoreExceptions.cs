namespace Chronik.Storage.Objects;

/// <summary>An object-store call that did not do what it was asked.</summary>
public class ObjectStoreException : Exception
{
    public ObjectStoreException() { }
    public ObjectStoreException(string message) : base(message) { }
    public ObjectStoreException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>There is no object under the key.</summary>
public sealed class ObjectNotFoundException : ObjectStoreException
{
    public ObjectNotFoundException() { }
    public ObjectNotFoundException(string key) : base($"no object under key '{key}'") { Key = key; }
    public ObjectNotFoundException(string key, Exception inner) : base($"no object under key '{key}'", inner) { Key = key; }

    public string Key { get; } = "";
}

/// <summary>A PUT on a key that already holds an object: objects are written once.</summary>
public sealed class ObjectAlreadyExistsException : ObjectStoreException
{
    public ObjectAlreadyExistsException() { }
    public ObjectAlreadyExistsException(string key) : base($"an object already exists under key '{key}' (objects are written once)") { Key = key; }
    public ObjectAlreadyExistsException(string key, Exception inner) : base($"an object already exists under key '{key}' (objects are written once)", inner) { Key = key; }

    public string Key { get; } = "";
}

/// <summary>The store kept failing with retryable errors (503, SlowDown, timeouts) until the retry budget ran out; nothing is known to be written.</summary>
public sealed class ObjectStoreUnavailableException : ObjectStoreException
{
    public ObjectStoreUnavailableException() { }
    public ObjectStoreUnavailableException(string message) : base(message) { }
    public ObjectStoreUnavailableException(string message, Exception inner) : base(message, inner) { }

    public int Attempts { get; init; }
}
