namespace Weir.Raft.Tests;

/// <summary>The in-memory log's epoch cache and crash model, and Kafka's quorum-state file.</summary>
public sealed class StorageTests
{
    [Fact]
    public void End_offset_for_epoch_answers_from_the_epoch_cache()
    {
        var log = NodeHarness.LogWithEpochs(1, 1, 3, 3, 5);
        Assert.Equal(new OffsetAndEpoch(0, 0), log.EndOffsetForEpoch(0));
        Assert.Equal(new OffsetAndEpoch(2, 1), log.EndOffsetForEpoch(1));
        Assert.Equal(new OffsetAndEpoch(2, 1), log.EndOffsetForEpoch(2));
        Assert.Equal(new OffsetAndEpoch(4, 3), log.EndOffsetForEpoch(3));
        Assert.Equal(new OffsetAndEpoch(4, 3), log.EndOffsetForEpoch(4));
        Assert.Equal(new OffsetAndEpoch(5, 5), log.EndOffsetForEpoch(9));
    }

    [Fact]
    public void A_crash_loses_what_was_not_flushed()
    {
        var log = NodeHarness.LogWithEpochs(1, 1);
        log.AppendAsLeader(NodeHarness.Batch(0, 2, "unflushed"), 2);
        Assert.Equal(3, log.EndOffset);
        Assert.Equal(2, log.FlushedEndOffset);
        log.Crash();
        Assert.Equal(2, log.EndOffset);
        Assert.Equal(1, log.LastFetchedEpoch);
    }

    [Fact]
    public void Appends_as_follower_must_be_contiguous()
    {
        var log = NodeHarness.LogWithEpochs(1);
        Assert.Equal(-1, log.AppendAsFollower(NodeHarness.Batch(5, 1, "gap")));
        Assert.Equal(2, log.AppendAsFollower(NodeHarness.Batch(1, 1, "next")));
        var corrupt = NodeHarness.Batch(2, 1, "bad");
        corrupt[^1] ^= 0xFF;
        Assert.Equal(-1, log.AppendAsFollower(corrupt));
        Assert.Equal(2, log.EndOffset);
    }

    [Fact]
    public void The_quorum_state_file_is_kafkas_json()
    {
        var dir = Directory.CreateTempSubdirectory("weir-raft-");
        try
        {
            var store = new FileQuorumStateStore(Path.Combine(dir.FullName, FileQuorumStateStore.DefaultFileName));
            Assert.Null(store.Read());
            var state = new ElectionState(7, 2, 3, Guid.Empty);
            store.Write(state);
            Assert.Equal("{\"leaderId\":2,\"leaderEpoch\":7,\"votedId\":3,\"votedDirectoryId\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"data_version\":1}", store.ReadText());
            Assert.Equal(state, store.Read());
            Assert.False(File.Exists(store.Path + ".tmp"));

            // A version 0 file, as Kafka 3.x wrote it.
            File.WriteAllText(store.Path, "{\"clusterId\":\"\",\"leaderId\":1,\"leaderEpoch\":3,\"votedId\":-1,\"appliedOffset\":0,\"currentVoters\":[{\"voterId\":1}],\"data_version\":0}");
            Assert.Equal(new ElectionState(3, 1, -1, Guid.Empty), store.Read());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
