"""Table recovery that delivers no message before the stream partitions are back at
their committed offsets.

faust-streaming 0.15 resumes the stream partitions and only then seeks them to the
committed offsets, while the flow is already open from reading the changelogs. Messages
fetched in between reach the agents and are acknowledged, the seek then rewinds the
partition, and the consumer's record of acknowledged offsets ends up with holes or
repeats. A hole at its head stops that partition's commits for good: after a crash the
restarted worker processes everything but its committed offsets never reach the end.
Holding the flow shut until the seek is done closes that window.
"""

from faust.tables import TableManager
from faust.tables.recovery import Recovery


class SeekFirstRecovery(Recovery):
    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        # The base method seeks, then reopens the flow; stopping it here first means
        # nothing is delivered from the pre-seek positions.
        self.app.consumer.stop_flow()
        await super().on_recovery_completed(generation_id)


class SeekFirstTableManager(TableManager):
    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = SeekFirstRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery

