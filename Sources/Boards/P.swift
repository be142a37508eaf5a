import Buffers
