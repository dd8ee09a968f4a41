using Chronik.Protocol.Records;
using Xunit;

namespace Chronik.Protocol.Tests.Records;

public class ControlRecordTests
{
    [Theory]
    [InlineData(ControlRecordType.Commit)]
    [InlineData(ControlRecordType.Abort)]
    public void Transaction_marker_round_trips(ControlRecordType type)
    {
        var bytes = ControlRecord.BuildTransactionMarker(type, producerId: 42, producerEpoch: 7, coordinatorEpoch: 11, timestamp: 1000);
        Assert.Equal(RecordValidationResult.Valid, RecordBatchValidator.Validate(bytes, out var s, RecordValidationMode.Log));
        Assert.True(s.IsControl);
        Assert.True(s.IsTransactional);
        // Clients may not write control batches.
        Assert.Equal(RecordValidationResult.InvalidRecord, RecordBatchValidator.Validate(bytes, out _));

        using var batch = DecodedRecordBatch.Open(bytes);
        Assert.True(batch.Header.IsControl);
        Assert.Equal(42, batch.Header.ProducerId);
        Assert.Equal(7, batch.Header.ProducerEpoch);
        Assert.Equal(-1, batch.Header.BaseSequence);
        int n = 0;
        foreach (var r in batch)
        {
            Assert.True(ControlRecord.TryReadKey(r.Key, out short version, out var parsed));
            Assert.Equal(0, version);
            Assert.Equal(type, parsed);
            Assert.True(ControlRecord.TryReadTransactionMarkerValue(r.Value, out short valueVersion, out int epoch));
            Assert.Equal(0, valueVersion);
            Assert.Equal(11, epoch);
            n++;
        }
        Assert.Equal(1, n);
    }

    [Fact]
    public void Short_key_is_rejected()
    {
        Assert.False(ControlRecord.TryReadKey([0, 0, 1], out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ControlRecord.BuildTransactionMarker(ControlRecordType.LeaderChange, 1, 1, 1, 1));
    }
}
