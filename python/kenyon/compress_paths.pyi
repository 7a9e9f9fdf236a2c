from typing import Any, List, Optional, Tuple

import pandas as pd

def signed_conn_by_path_length_data(
    inprop: Any,
    inidx: Any,
    outidx: Any,
    n: int,
    group_to_sign: Optional[dict] = ...,
    inidx_map: Optional[dict] = ...,
    outidx_map: Optional[dict] = ...,
    intermediate_map: Optional[dict] = ...,
    combining_method: str = ...,
    wide: bool = ...,
) -> Tuple[List[pd.DataFrame], List[pd.DataFrame]]: ...
